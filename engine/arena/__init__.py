"""The Arena: every family trained on the same 2-D target under the same wall-clock budget and
scored by the same yardsticks on the same held-out samples.

- :mod:`~engine.arena.contenders`: each family's live task behind one interface (step, samples, log-density);
- :mod:`~engine.arena.task`: the race (the live task): turns, checkpoints, the yardsticks, the winners;
- :mod:`~engine.arena.explore`: the page's view settings (the replay);
- :mod:`~engine.arena.views`: the samples over the faded target, the yardsticks over training time.

It aggregates other families (their tasks are its contenders), so it may import them.
"""
