"""URL state: a page's config read from the link into its widgets, and written back, so that the
link always reproduces what the page shows (TensorFlow Playground's idea). Also the widgets that
accept values from a link.

A page's config class gives ``from_query``, ``to_query`` and ``widget_values`` (see
:class:`engine.config.RunConfig`); its widgets' keys are ``<prefix>_<field>``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def _owned_keys(query: dict[str, str], url_prefix: str, config_class) -> list[str]:
    """The URL keys one config owns: ``url_prefix`` followed by one of the config's own keys (its
    fields, or what its ``url_keys()`` names). A page's main config has ``url_prefix=""``; a
    section of the page (a live view, a replay) has its own prefix, so the configs of one page
    never take each other's keys and no list of prefixes is kept anywhere."""
    own = config_class.url_keys()
    return [key for key in query if key.startswith(url_prefix) and key[len(url_prefix) :] in own]


def _url_query(url_prefix: str, config_class) -> dict[str, str]:
    """This config's URL keys and values, ``url_prefix`` removed."""
    query = st.query_params.to_dict()
    return {key[len(url_prefix) :]: query[key] for key in _owned_keys(query, url_prefix, config_class)}


def init_from_url(prefix: str, config_class, url_prefix: str = "") -> Any:
    """Read the config from the URL into the widgets' session state: when the session starts,
    and whenever the URL is not one this page wrote recently (a link opened or edited).

    A link with a bad value shows an error and falls back to the defaults. The config's widget
    values persist on runs that do not draw their widgets. Returns the config
    the link asked for (for fields that have no widget). ``url_prefix``: see :func:`_owned_keys`.
    """
    stored_key = f"{prefix}_url_config"
    query = _url_query(url_prefix, config_class)
    # A rerun can arrive with a URL this session wrote a few runs ago (fast slider presses outrun the
    # browser's URL update): only a query it never wrote is a link opened or edited.
    link_changed = query and query not in st.session_state.get(f"{prefix}_written_queries", [])  # not a bare page link
    if stored_key not in st.session_state or link_changed:
        try:
            config = config_class.from_query(query)
        except (ValueError, TypeError) as error:
            st.session_state[f"{prefix}_url_error"] = (
                f"The link's settings could not be used: {error} Showing the defaults."
            )
            config = config_class()
        st.session_state[stored_key] = config
        _remember_written(prefix, query)
        for name, value in config.widget_values().items():
            st.session_state[f"{prefix}_{name}"] = value
    if message := st.session_state.pop(f"{prefix}_url_error", None):
        st.error(message)
    for name in st.session_state[stored_key].widget_values():  # Streamlit forgets the values of widgets a
        key = f"{prefix}_{name}"  # run does not draw (another view, run B hidden): keep them
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    return st.session_state[stored_key]


def _remember_written(prefix: str, query: dict, keep: int = 16) -> None:
    written = st.session_state.setdefault(f"{prefix}_written_queries", [])
    if query in written:
        written.remove(query)
    written.append(query)
    del written[:-keep]


def write_url(prefix: str, config, url_prefix: str = "") -> None:
    """Put the config in the URL (only what differs from the defaults), so the link reproduces it;
    the URL keys other configs own are kept."""
    query = config.to_query()
    _remember_written(prefix, query)
    current = st.query_params.to_dict()
    owned = _owned_keys(current, url_prefix, type(config))
    wanted = {key: value for key, value in current.items() if key not in owned}
    wanted |= {f"{url_prefix}{name}": value for name, value in query.items()}
    if current != wanted:
        st.query_params.from_dict(wanted)


def slider(label: str, key: str, low: int, high: int, default: int):
    """An integer slider; its value survives runs in which it is not shown."""
    st.session_state[key] = min(max(st.session_state.get(key, default), low), high)
    return st.slider(label, low, high, key=key)


def select(label: str, key: str, options: list, default, **kwargs):
    """A select slider whose options always include the current value (e.g. from a link)."""
    st.session_state[key] = st.session_state.get(key, default)
    options = sorted(set(options) | {st.session_state[key]})
    return st.select_slider(label, options=options, key=key, format_func=lambda v: f"{v:g}", **kwargs)
