"""The mixed resident/staff journey of the load test (bench/bench_load.py runs it headless).

Each virtual user is one person at a browser or one staff system, with a
think time between requests (``MADO_LOAD_WAIT`` seconds, "min,max", default
"1,3": faster than people read a page, so 200 users here are a busier hour
than 200 residents would make). What they do, by weight:

- the resident portal (``/``) and the procedure search (``/procedures/?q=``);
- the navigator's plan for a life event (``/navi/<event>/?show=plan``);
- the JSON submission of the demo event form (``POST /api/v1/forms/event-sanka/
  submissions``, identity level "none": no sign-in);
- ``/my/``: a signed-in resident's applications and their receipts (sessions
  made by bench_load.py, ``MADO_LOAD_SESSIONS``);
- the staff API with a token (``/api/v1/procedures``, ``/api/v1/cases``;
  ``MADO_LOAD_TOKEN``).

A response counts as an error when its status is not the expected one (2xx,
201 for the submission), or the connection fails or times out.
"""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, between, task

SEARCH_TERMS = ["住民票", "印鑑", "児童手当", "国民健康保険", "転入", "マイナンバー", "ごみ", "保育"]
LIFE_EVENTS = ["birth", "moving_in", "moving_out", "marriage", "death", "care", "school_entry"]
TOKEN = os.environ.get("MADO_LOAD_TOKEN", "")
# "session key:receipt id" pairs of signed-in residents (bench_load.py makes them).
SESSIONS = [s.split(":") for s in os.environ.get("MADO_LOAD_SESSIONS", "").split(",") if s]
_wait = [float(x) for x in os.environ.get("MADO_LOAD_WAIT", "1,3").split(",")]
SUBMISSION = json.dumps({
    "values": {
        "event": "walk",
        "name": {"family": "髙橋", "given": "花子", "family_kana": "たかはし",
                 "given_kana": "ﾊﾅｺ"},
        "email": "hanako@example.jp",
        "phone": "０４７５－２３－１１１１",
        "resident": "city",
        "participants": [{"full_name": "髙橋 花子", "furigana": "ﾀｶﾊｼ ﾊﾅｺ", "age": "42"}],
        "photo_consent": True,
    }
}, ensure_ascii=False).encode()


class Resident(FastHttpUser):
    """Residents and the staff systems, mixed by the task weights below."""

    wait_time = between(_wait[0], _wait[-1])
    network_timeout = 30.0
    connection_timeout = 30.0

    @task(3)
    def portal(self) -> None:
        self.client.get("/", name="/ (portal)")

    @task(3)
    def search(self) -> None:
        self.client.get(f"/procedures/?q={random.choice(SEARCH_TERMS)}",
                        name="/procedures/?q=")

    @task(2)
    def plan(self) -> None:
        event = random.choice(LIFE_EVENTS)
        self.client.get(f"/navi/{event}/?show=plan", name="/navi/<event>/?show=plan")

    @task(1)
    def submit(self) -> None:
        with self.client.post("/api/v1/forms/event-sanka/submissions", data=SUBMISSION,
                              headers={"Content-Type": "application/json"},
                              name="POST /api/v1/forms/event-sanka/submissions",
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(2)
    def my_receipts(self) -> None:
        if not SESSIONS:
            return
        key, receipt = random.choice(SESSIONS)
        headers = {"Cookie": f"sessionid={key}"}
        with self.client.get("/my/", headers=headers, name="/my/ (signed in)",
                             catch_response=True) as response:
            if response.status_code == 200 and f"/apply/receipt/{receipt}/" not in response.text:
                response.failure("signed-in /my/ does not list the resident's receipt")
        self.client.get(f"/apply/receipt/{receipt}/", headers=headers,
                        name="/apply/receipt/<id>/ (signed in)")

    @task(1)
    def staff_api(self) -> None:
        if not TOKEN:
            return
        headers = {"Authorization": f"Bearer {TOKEN}"}
        self.client.get("/api/v1/procedures", headers=headers, name="/api/v1/procedures")
        self.client.get("/api/v1/cases?limit=20", headers=headers, name="/api/v1/cases")
