"""What the pages share (never imported by engine/):

- :mod:`~app_ui.registry`: every page's title, icon, URL path and Home card, written once;
- :mod:`~app_ui.url_state`: a page's config read from its link into the widgets and written back;
- :mod:`~app_ui.session_runs`: each browser session's live runs (the session-to-process lifecycle);
- :mod:`~app_ui.live_page`: the live-page scaffold (controls, the live fragment, downloads, cached renders);
- :mod:`~app_ui.data_input`: built-in targets, a drawing or an uploaded CSV as a page's data;
- per-page panels too long for the page file: ``flow_panels``, ``gan_panels``, ``vae_panels``,
  ``vae_live``, ``divergence_panels``.
"""
