"""The application is a union of capability mixins: none may silently shadow another's method."""

from itertools import combinations

from supervision.app import SupervisionApp
from supervision.application import SupervisionBase
from supervision.dispatcher import ALL_COMMANDS


def own_names(cls: type) -> set[str]:
    # `name` is set on every subclass by eventsourcing's Application.__init_subclass__
    return {n for n in vars(cls) if not n.startswith("__") and n not in ("name", "_abc_impl")}


def test_no_two_capability_mixins_define_the_same_name():
    mixins = [c for c in SupervisionApp.__bases__ if issubclass(c, SupervisionBase)]
    assert len(mixins) >= 2
    for a, b in combinations(mixins, 2):
        assert own_names(a) & own_names(b) == set(), (a.__name__, b.__name__)


def test_every_command_names_an_existing_application_method_and_is_unique():
    names = [spec.name for spec in ALL_COMMANDS]
    assert len(names) == len(set(names))
    for spec in ALL_COMMANDS:
        assert callable(getattr(SupervisionApp, spec.method, None)), spec.name
        assert spec.roles, spec.name


def test_the_application_name_is_fixed_because_tracking_positions_are_keyed_by_it():
    assert SupervisionApp.name == "eldercare"
