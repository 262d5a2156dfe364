"""The public API is what __all__ says, nothing in it is missing, and every name says how to call it."""

import inspect
import subprocess
import sys

import pytest

import simulator


def test_all_names_exist_and_are_sorted():
    assert simulator.__all__ == sorted(simulator.__all__)
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_public_names_are_exactly_all():
    public = {n for n in dir(simulator) if not n.startswith("_")}
    modules = {n for n in public if inspect.ismodule(getattr(simulator, n))}
    assert public - modules == set(simulator.__all__)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        simulator.Nope  # noqa: B018


def test_importing_the_package_loads_no_app():
    code = "import sys, simulator; print(sorted(m for m in ('pandas', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def _documented(obj) -> list[str]:
    """What a public callable's docstring lacks: Args: when it takes arguments, Returns: when it returns."""
    doc = inspect.getdoc(obj) or ""
    if not doc:
        return ["a docstring"]
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    params = [p for p in signature.parameters if p not in ("self", "cls")]
    missing = []
    if params and "Args:" not in doc and "Attributes:" not in doc:
        missing.append("Args:")
    returns = signature.return_annotation
    if not inspect.isclass(obj) and returns not in (None, "None", inspect.Signature.empty) and "Returns:" not in doc:
        missing.append("Returns:")
    return missing


FUNCTIONS_AND_CLASSES = [
    n for n in simulator.__all__ if inspect.isfunction(getattr(simulator, n)) or inspect.isclass(getattr(simulator, n))
]


@pytest.mark.parametrize("name", FUNCTIONS_AND_CLASSES)
def test_every_public_name_documents_its_arguments_and_result(name):
    obj = getattr(simulator, name)
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        assert inspect.getdoc(obj)
        return
    assert _documented(obj) == [], f"{name}'s docstring needs {_documented(obj)}"


def test_the_docstring_check_finds_what_is_missing():
    def undocumented(a: int) -> int:
        """Adds one."""
        return a + 1

    assert _documented(undocumented) == ["Args:", "Returns:"]
