"""Trainers in the test session start as the app's do: the fork server imports every live family's
task and pays torch's first-call costs once (:func:`engine.families.trainer_preload`; the toy tasks
of tests/unit/test_live.py too), so a run starts in a fraction of a second whichever test is first."""

from engine import families
from engine.live import fork_server

fork_server.preload(*families.trainer_preload(), "tests.unit.test_live")
