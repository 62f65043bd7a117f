"""Packages load their public names on first use: importing them is light, every name resolves
to the object its home module defines, and an unknown name is refused as usual."""

import importlib
import subprocess
import sys

import pytest

from workbench._lazy import MSG_NO_ATTRIBUTE

LAZY_PACKAGES = (
    "workbench",
    "workbench.audit",
    "workbench.explain",
    "workbench.models",
    "workbench.review",
)
HEAVY = ("torch", "captum", "aif360", "lime", "sklearn", "pandas", "sqlalchemy")
PROBE = "import sys, {package}; print(','.join(m for m in {heavy!r} if m in sys.modules))"


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_importing_the_package_is_light(package):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_is_its_home_modules_object(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        home = importlib.import_module(module._HOMES[name])
        assert getattr(module, name) is getattr(home, name), name
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_an_unknown_name_is_an_attribute_error(package):
    module = importlib.import_module(package)
    with pytest.raises(AttributeError) as info:
        module.no_such_name  # noqa: B018
    assert str(info.value) == MSG_NO_ATTRIBUTE.format(module=package, name="no_such_name")
