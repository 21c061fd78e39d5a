"""Two nodes behind one base URL on one database: a signed request is accepted by exactly one of them
(the nonce check is one atomic insert in the shared store), round after round."""

from __future__ import annotations

import threading

import requests
from oauthlib.oauth1 import SIGNATURE_RSA
from requests_oauthlib import OAuth1

from applinks.refapp.app import build_app
from tests.integration.oauth1_support import form, rsa_consumer
from tests.support import InstanceFactory, bind_loopback, serve_app

WHOAMI = "/plugins/servlet/applinks/whoami"
ROUNDS = 5


def _send_at_once(signed: requests.PreparedRequest, node_urls: list[str]) -> list[tuple[int, str]]:
    """The same signed request to every node at the same moment; (status, user or oauth_problem) each."""
    barrier = threading.Barrier(len(node_urls))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send(node_url: str) -> None:
        copy = signed.copy()
        copy.url = node_url + WHOAMI
        with requests.Session() as http:
            http.trust_env = False
            barrier.wait()
            answer = http.send(copy, timeout=30)
        with lock:
            answers.append((answer.status_code, answer.text if answer.ok else form(answer.text)["oauth_problem"]))

    threads = [threading.Thread(target=send, args=(url,)) for url in node_urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(answers)


def test_two_nodes_accept_the_same_signed_request_once(make_instance: InstanceFactory) -> None:
    first = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(first, two_lo_allowed=True, executing_two_lo_user="admin")
    # A second node: same settings (base URL, database, key file), another port, as behind a load balancer.
    sock = bind_loopback()
    server, thread = serve_app(build_app(first.settings), sock)
    second_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    auth = OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem)
    try:
        for _ in range(ROUNDS):
            signed = requests.Request("GET", first.url + WHOAMI, auth=auth).prepare()
            assert _send_at_once(signed, [first.url, second_url]) == [(200, "admin"), (401, "nonce_used")]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
