"""What the pages share (never imported by engine/):

- :mod:`~app_ui.registry`: every page's title, icon, URL path and Home card, written once;
- :mod:`~app_ui.url_state`: a config read from its link into the widgets and written back;
- :mod:`~app_ui.live_page`: the live-section scaffold (LiveSection, controls, the live fragment, downloads);
- :mod:`~app_ui.live_frame`: one live frame (its cadence, cached renders, counters, training curves);
  :mod:`~app_ui.frame_urls`: a frame's PNGs served by URL;
- :mod:`~app_ui.session_runs`: a page's run for this browser session; :mod:`~app_ui.session_registry`:
  the sessions' runs and their reaper; :mod:`~app_ui.reconnect`: a returning browser's runs;
  :mod:`~app_ui.warm_up`: the trainers' preload and the shared step-0 snapshots;
- :mod:`~app_ui.data_input`: built-in targets, a drawing or an uploaded CSV as a page's data;
- a page's panels and live sections too long for the page file: ``<family>_panels``, ``<family>_live``.
"""
