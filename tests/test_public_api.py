"""The public API is what __all__ says, and nothing in it is missing."""

import simulator


def test_all_names_exist_and_are_sorted():
    assert simulator.__all__ == sorted(simulator.__all__)
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_public_names_are_exactly_all():
    public = {n for n in vars(simulator) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(simulator, n)).__name__ == "module"}
    assert public - modules == set(simulator.__all__)
