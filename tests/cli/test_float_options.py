"""Every float option of every command refuses nan and inf (exit 2, naming the option)."""

import click
import pytest
from click.testing import CliRunner

from chaos.cli import main
from chaos.cli._numbers import Finite
from chaos.models.loopback import serve


def _float_options(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _float_options(command, (*path, name))
            continue
        for param in command.params:
            if isinstance(param.type, click.FloatRange | type(click.FLOAT)):
                yield (*path, name), param


FLOAT_OPTIONS = list(_float_options(main))


def test_every_float_option_takes_the_finite_type():
    names = {(" ".join(p), o.opts[0]) for p, o in FLOAT_OPTIONS}
    # The options the class was found on (A4); more may come, and each must be Finite.
    assert {("run", "--budget-usd"), ("run", "--alpha"), ("run", "--episode-timeout"),
            ("run", "--agent-timeout"), ("sweep", "--budget-usd"), ("sweep", "--alpha"),
            ("compare", "--threshold"), ("compare", "--alpha"), ("recommend", "--alpha"),
            ("shrink", "--agent-timeout"), ("models check", "--timeout")} <= names
    assert all(isinstance(o.type, Finite) for _, o in FLOAT_OPTIONS), names


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity"])
@pytest.mark.parametrize(("path", "option"), FLOAT_OPTIONS,
                         ids=[f"{' '.join(p)} {o.opts[0]}" for p, o in FLOAT_OPTIONS])
def test_nan_and_inf_are_refused_with_the_option_named(path, option, value):
    # Options are converted before missing arguments are noticed: the option alone suffices.
    result = CliRunner().invoke(main, [*path, f"{option.opts[0]}={value}"])
    assert result.exit_code == 2, result.output
    assert option.opts[0] in result.output
    assert "is not a finite number" in result.output


def test_a_finite_value_still_goes_through_the_range_check():
    result = CliRunner().invoke(main, ["run", "x.yaml", "--until-decided", "--alpha", "0.5"])
    assert result.exit_code == 2
    assert "0.5 is not in the range" in result.output


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_the_loopback_servers_delay_refuses_nan_inf_and_negatives(value, capsys):
    with pytest.raises(SystemExit) as stop:
        serve([value])
    assert stop.value.code == 2
    assert "give a finite number of seconds" in capsys.readouterr().err
