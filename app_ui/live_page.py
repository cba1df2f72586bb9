"""The live-page scaffold: everything about running a live model that pages share.

A live page, or a live section of a page, declares a :class:`LiveSection` (its widget, URL and
run keys), reads the link with ``section.link()``, draws its sidebar, then either
``section.show(task, draw=..., caption=..., **values)`` (a section: run, controls, live views) or
``section.start(...)`` followed by :func:`controls`, :func:`live_views` and :func:`downloads` (a
page with more around its run): docs/adding-a-family.md shows a whole page. ``draw`` gets the
latest :class:`engine.live.Snapshot` and draws it with :mod:`app_ui.live_frame`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_ui import live_frame, session_runs, url_state
from app_ui.session_registry import command
from engine import live
from engine.live import OnDemandRun


@dataclass(frozen=True)
class LiveSection:
    """One live run on a page: widget keys ``<prefix>_<field>``, URL keys ``<url_prefix><field>``
    (``""`` for the page's own config; a section of a page has its own, e.g. ``"live_"``), and its
    entry ``run_key`` among the session's runs (default: ``prefix``)."""

    prefix: str
    config_class: type
    url_prefix: str = ""
    run_key: str = ""

    def __post_init__(self):
        if not self.run_key:
            object.__setattr__(self, "run_key", self.prefix)

    def link(self) -> Any:
        """Read the link into the widgets (see :func:`app_ui.url_state.init_from_url`), once per run
        and before the widgets; returns :meth:`remembered`."""
        before = st.session_state.get(f"{self.prefix}_url_config")
        if url_state.init_from_url(self.prefix, self.config_class, url_prefix=self.url_prefix) is not before:
            st.session_state.pop(f"{self.prefix}_last_config", None)  # a link opened: it rules
        return self.remembered()

    def remembered(self) -> Any:
        """For fields without a widget: the config this session last ran (a section's widgets are
        forgotten on runs that show another view), else the link's."""
        return st.session_state.get(f"{self.prefix}_last_config", st.session_state[f"{self.prefix}_url_config"])

    def seed_input(self) -> int:
        """The seed's number input (key ``<prefix>_seed``), its value kept across views."""
        key = f"{self.prefix}_seed"
        st.session_state.setdefault(key, self.remembered().seed)
        return int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=key))

    def start(self, task: Callable, *task_args, target_object=None, **values) -> tuple[OnDemandRun, Any] | None:
        """``config_class(**values)`` (``max_steps`` from the link unless given) and the session's run
        of ``task(config, *task_args)`` on ``target_object`` (the data, when there is one); see :meth:`open`."""

        def build():
            defaults = {"max_steps": self.remembered().max_steps} if "max_steps" in self.config_class.url_keys() else {}
            config = self.config_class(**(defaults | values))
            return config, functools.partial(task, config, *task_args)

        return self.open(build, target_object)

    def open(
        self, build: Callable[[], tuple[Any, Callable]], target=None, url_config: Callable[[Any], Any] | None = None
    ) -> tuple[OnDemandRun, Any] | None:
        """``build()`` -> (validated config, picklable task factory), then the session's run of it,
        and the link written (``url_config(config)`` where the link is not the config itself). A
        refused setting or a trainer that could not start is shown with ``st.error`` and gives None."""
        try:
            config, task_factory = build()
            run = session_runs.session_run(self.run_key, config, target, task_factory)
        except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
            st.error(str(error))
            return None
        linked = config if url_config is None else url_config(config)
        st.session_state[f"{self.prefix}_last_config"] = linked
        url_state.write_url(self.prefix, linked, self.url_prefix)
        return run, config

    def minibatch_inputs(self, learning_rates: list[float], batch_sizes: list[int]) -> dict[str, Any]:
        """The learning rate and batch size sliders of a model trained on minibatches (keys
        ``<prefix>_learning_rate``, ``<prefix>_batch_size``), as config values."""
        link = self.remembered()
        return {
            "learning_rate": url_state.select(
                "Learning rate", f"{self.prefix}_learning_rate", learning_rates, link.learning_rate
            ),
            "batch_size": int(
                url_state.select("Batch size", f"{self.prefix}_batch_size", batch_sizes, link.batch_size)
            ),
        }

    def show(
        self,
        task: Callable,
        *task_args,
        draw: Callable[[live.Snapshot], None],
        caption: Callable[[Any], str],
        step_help: str,
        target_object=None,
        **values,
    ) -> Any:
        """A whole live section after its sidebar: :meth:`start`, the controls with ``caption(config)``
        beside them, and the live views drawn by ``draw``. Returns the config in use, or None when a
        setting was refused (shown)."""
        started = self.start(task, *task_args, target_object=target_object, **values)
        if started is None:
            return None
        run, config = started
        state, note = controls(run, config, self.prefix, step_help=step_help)
        note.caption(caption(config))
        live_views(run, state, draw)
        return config

    def pause_if_training(self) -> None:
        """Pause this section's run if it trains: for a page showing another view (a trainer nobody
        watches would hold a slot of the machine)."""
        session_runs.pause_if_training(self.run_key)


@dataclass(frozen=True)
class StepPart:
    """A button that steps one part of the task alone (a GAN's discriminator or generator)."""

    key: str  # button key suffix: <prefix>_step_<key>
    part: str  # passed to the task's train_step(part)
    label: str
    help: str


def controls(
    run: OnDemandRun,
    config,
    prefix: str,
    *,
    parts: tuple[StepPart, ...] = (),
    step_help: str = "One optimisation step.",
) -> tuple[str, Any]:
    """The control row: Train/Pause, a Step button per part, Step, Reset. Returns the run's state
    as drawn (the live fragment reruns the page when it changes) and the row's last, empty column."""
    state = run.snapshot.state
    columns = st.columns([1.2 if parts else 1] + [1] * (len(parts) + 2) + [2.5 if parts else 4])
    if state in live.LIVE_STATES:
        columns[0].button(
            "⏸ Pause", on_click=command(run.pause), type="primary", key=f"{prefix}_pause", width="stretch"
        )
    else:
        columns[0].button(
            "▶ Train",
            on_click=command(run.train),
            type="primary",
            key=f"{prefix}_train",
            width="stretch",
            disabled=state == live.FINISHED,
        )
    for column, part in zip(columns[1:], parts, strict=False):
        column.button(
            part.label,
            on_click=command(functools.partial(run.step, 1, part.part)),
            key=f"{prefix}_step_{part.key}",
            width="stretch",
            help=part.help,
        )
    columns[-3].button("Step", on_click=command(run.step), key=f"{prefix}_step", width="stretch", help=step_help)
    columns[-2].button(
        "↺ Reset",
        on_click=command(functools.partial(_reset, run, config)),
        key=f"{prefix}_reset",
        width="stretch",
        help="Back to step 0, same seed.",
    )
    return state, columns[-1]


def _reset(run: OnDemandRun, config) -> None:
    """Reset rebuilds the run with the settings it was built with: re-apply the live settings the
    widgets show now, so that the run matches the page and its link."""
    run.reset()
    run.apply_live_settings(config)


def live_views(run: OnDemandRun, state: str, draw: Callable[[live.Snapshot], None]) -> None:
    """``draw(snapshot)`` in a fragment redrawn every :func:`frame_interval_s` while the run trains
    or waits (and once otherwise), under the run's status line."""
    interval = live_frame.frame_interval_s() if state in live.LIVE_STATES else None

    @st.fragment(run_every=interval)
    def fragment() -> None:
        started = time.thread_time()
        snapshot = run.snapshot
        if (snapshot.state in live.LIVE_STATES) != (state in live.LIVE_STATES):
            st.rerun()  # the buttons change (Pause <-> Train); a turn between running and waiting does not
        if interval is not None and not 0.5 <= live_frame.frame_interval_s() / interval <= 2.0:
            st.rerun()  # the load changed a lot: register the fragment again at the new cadence
        run_status(snapshot)
        draw(snapshot)
        if interval is not None:  # a live frame's cost (a paused page's draws its interactive charts too)
            live_frame.FRAME_COST.add(time.thread_time() - started)

    fragment()


def run_status(snapshot: live.Snapshot) -> None:
    """One line saying what the run is doing, and why when it stopped by itself."""
    if snapshot.state == live.DIVERGED:
        st.warning(snapshot.message, icon="⚠️")
    elif snapshot.state == live.WAITING:
        st.info(snapshot.message, icon="⏳")
    elif snapshot.state == live.FINISHED:
        st.success(snapshot.message, icon="🏁")
    elif snapshot.message:  # a paused or idle run with something to say (the machine is full, a failed start)
        st.warning(snapshot.message, icon="⚠️")
    elif snapshot.state == live.IDLE:
        st.caption("Ready. Press **Train** to start, or **Step** for one update.")


@dataclass(frozen=True)
class Download:
    """A download button whose bytes come from a method of the task (run in the trainer process
    only when clicked): ``Download("Model (.zip)", "run.zip", FlowTrainingTask.model_zip)``."""

    label: str
    file_name: str
    method: Callable
    args: tuple = ()
    mime: str | None = None


def downloads(run: OnDemandRun, state: str, title: str, files: list[Download], caption: str) -> None:
    """An expander of download buttons, shown while the run is paused (its model is then still)."""
    if state in live.LIVE_STATES or not run.is_alive:
        return
    with st.expander(title):
        for column, file in zip(st.columns(2) * math.ceil(len(files) / 2), files, strict=False):
            column.download_button(
                file.label,
                data=functools.partial(run.call, file.method, *file.args),
                file_name=file.file_name,
                mime=file.mime,
                on_click="ignore",
            )
        st.caption(caption)
