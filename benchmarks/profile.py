"""``python -m benchmarks.profile [COUNT]``: a pyinstrument profile of the OAuth 1.0a verification core
(the ``oauth1`` benchmark's loop), to see where a request's time goes before changing anything."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from applinks.auth.oauth1.signing import SignedRequest, parse_authorization
from applinks.instance import Instance
from applinks.refapp.users import UserStore
from benchmarks.oauth1 import BASE_URL, sign_all
from benchmarks.scene import USER, WHOAMI, make_scene


def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
        scene = make_scene(Path(tmp), BASE_URL)
        headers = sign_all(scene, count)
        instance = Instance(scene.settings)
        try:
            users = UserStore(instance.engine, BASE_URL)
            provider = instance.oauth_provider
            uri, query = BASE_URL + WHOAMI, (("xoauth_requestor_id", USER),)
            profiler = Profiler(interval=0.0002)
            with profiler:
                for header in headers:
                    provider.authenticate(
                        SignedRequest("GET", uri, query=query, header=parse_authorization(header)), users
                    )
        finally:
            instance.close()
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
