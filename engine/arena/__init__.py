"""The Arena: every family trained on the same 2-D target under the same wall-clock budget and
scored by the same yardsticks on the same held-out samples."""
