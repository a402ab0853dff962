import pytest

from backprop_lab.cli import main


@pytest.fixture
def cli(live_api, capsys):
    """Run `backprop-lab --url <the test API> ARGS...` in this process: (exit code, out, err)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--url", live_api, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
