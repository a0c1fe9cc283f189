"""Static files as production serves them (issue 13 defect 9): every file, the scripts that
other scripts import included, is served under a content-hashed name, so a changed script is
never mixed with a cached older one. `collectstatic` runs here with the production storage."""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=settings.PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    return root, manifest


def test_module_imports_point_at_hashed_names(collected):
    root, manifest = collected
    hashed_realtime = manifest["js/realtime.js"].rsplit("/", 1)[1]
    assert re.fullmatch(r"realtime\.[0-9a-f]{12}\.js", hashed_realtime)
    importers = [path for path in manifest if path.startswith("js/") and path.endswith(".js")]
    importers = [name for name in importers if "realtime.js" in (root / name).read_text()]
    assert {"js/chat.js", "js/realtime-bell.js", "js/inbox.js"} <= set(importers)
    for name in importers:
        text = (root / manifest[name]).read_text()
        assert f'from "./{hashed_realtime}"' in text, name
        assert 'from "./realtime.js"' not in text, name
