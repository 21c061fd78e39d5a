"""Starting an instance: an unusable data directory is a clear configuration error, not a bare OSError."""

from __future__ import annotations

from pathlib import Path

import pytest

from applinks.errors import ConfigurationError
from applinks.instance import Instance
from applinks.settings import Settings


def test_a_data_directory_that_is_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(ConfigurationError) as refused:
        Instance(Settings(data_dir=blocker / "data"))
    assert refused.value.key == "applinks.datadir.unusable"
    assert str(blocker / "data") in refused.value.message
