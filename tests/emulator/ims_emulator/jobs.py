"""Asynchronous IMS jobs driven by a timer thread.

A job is INIT for the first tenth of its duration, RUNNING until the duration
has elapsed and every image it names is listed (late visibility), then SUCCESS
or FAIL. Side effects happen in callbacks run under
the world lock: ``on_start`` when it starts running, ``on_success`` /
``on_fail`` when it ends. ``on_success`` may raise ApiError to fail the job.
"""
from __future__ import annotations

import threading
import time

from .errors import ApiError
from .util import iso_ms, new_hex

TERMINAL = ("SUCCESS", "FAIL")
# SDK JobProgressEntities (huaweicloudsdkims 3.1.219); its sub_job_id is "subJobId" on the wire, which the
# emulator never sets.
PROGRESS_ENTITIES = ("image_id", "current_task", "image_name", "process_percent", "subJobId", "sub_jobs_result",
                     "sub_jobs_list")


def normalize_type(job_type):
    text = (job_type or "").lower()
    if text.startswith("ims"):
        text = text[3:]
    if text.endswith("job"):
        text = text[:-3]
    return text


class Job:
    def __init__(self, world, project_id, job_type, entities=None, current_task=None, on_start=None,
                 on_success=None, on_fail=None, sub_jobs=None, hidden=False):
        self.world = world
        self.job_id = new_hex()
        self.project_id = project_id
        project = world.projects.get(project_id, {})
        self.region = project.get("region")
        self.domain = project.get("domain")
        self.job_type = job_type
        self.status = "INIT"
        self.begin_time = iso_ms()
        self.end_time = ""
        self.error_code = None
        self.fail_reason = None
        self.entities = dict(entities or {})
        self.current_task = current_task
        self.on_start = on_start
        self.on_success = on_success
        self.on_fail = on_fail
        self.sub_jobs = sub_jobs or []
        for sub in self.sub_jobs:
            sub.setdefault("job_id", new_hex())
        self.hidden = hidden
        self.created = time.monotonic()
        self.duration = max(0.0, float(world.job_seconds_by_region.get(self.entities.get("target_region"),
                                                                       world.job_seconds)))
        self.planned_failure = None
        self.partial_results = False

    def image_ids(self):
        """The images this job creates or changes (entities and sub-jobs)."""
        ids = [self.entities.get("image_id")]
        ids += [sub.get("entities", {}).get("image_id") for sub in self.sub_jobs]
        return [image_id for image_id in ids if image_id]

    @property
    def terminal(self):
        return self.status in TERMINAL

    def percent(self):
        if self.status == "SUCCESS":
            return 1.0
        if self.status == "INIT":
            return 0.0
        if self.duration <= 0:
            return 0.5
        elapsed = time.monotonic() - self.created
        return round(min(0.99, max(0.01, elapsed / self.duration)), 2)

    def public(self):
        entities = dict(self.entities)
        if self.current_task:
            entities["current_task"] = self.current_task
        entities["process_percent"] = self.percent()
        if self.sub_jobs:
            entities["sub_jobs_list"] = [s["job_id"] for s in self.sub_jobs]
            entities["sub_jobs_result"] = [{
                "status": self.status, "job_id": s["job_id"], "job_type": s.get("job_type", self.job_type),
                "begin_time": self.begin_time, "end_time": self.end_time,
                "error_code": self.error_code, "fail_reason": self.fail_reason,
                "entities": dict(s.get("entities", {})),
            } for s in self.sub_jobs]
        return {
            "status": self.status, "job_id": self.job_id, "job_type": self.job_type,
            "begin_time": self.begin_time, "end_time": self.end_time,
            "error_code": self.error_code, "fail_reason": self.fail_reason, "entities": entities,
        }

    def progress(self):
        """GET /v1/cloudimages/job/{job_id} (SDK ShowJobProgressResponse): the same top level, but entities
        are JobProgressEntities, without the member results and the failure details of JobEntities."""
        record = self.public()
        record["entities"] = dict((key, value) for key, value in record["entities"].items()
                                  if key in PROGRESS_ENTITIES)
        return record


class JobEngine:
    def __init__(self, world, tick=0.02):
        self.world = world
        self.tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ims-jobs", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)

    def submit(self, job):
        """Register a job (caller holds the world lock); consumes a matching fail_jobs entry."""
        world = self.world
        for index, rule in enumerate([] if job.hidden else world.fail_jobs):
            wanted = rule.get("job_type", "*")
            if wanted == "*" or normalize_type(wanted) == normalize_type(job.job_type):
                job.planned_failure = (rule.get("error_code", "IMS.0001"), rule.get("fail_reason", "Injected failure."))
                del world.fail_jobs[index]
                break
        world.jobs[job.job_id] = job
        return job

    def _run(self):
        while not self._stop.wait(self.tick):
            self.step()

    def step(self):
        now = time.monotonic()
        with self.world.lock:
            self.world.settle(now)
            for job in list(self.world.jobs.values()):
                if job.terminal:
                    continue
                elapsed = now - job.created
                if job.status == "INIT" and elapsed >= job.duration * 0.1:
                    job.status = "RUNNING"
                    if job.on_start:
                        job.on_start(job)
                if job.status == "RUNNING" and elapsed >= job.duration and self.world.images_listed(job.image_ids(), now):
                    self._finish(job)

    def _finish(self, job):
        if job.planned_failure:
            self._fail(job, *job.planned_failure)
            return
        try:
            if job.on_success:
                job.on_success(job)
        except ApiError as exc:
            self._fail(job, exc.code, exc.message)
            return
        job.status = "SUCCESS"
        job.end_time = iso_ms()

    def _fail(self, job, code, reason):
        job.status = "FAIL"
        job.error_code = code
        job.fail_reason = reason
        job.end_time = iso_ms()
        # SDK JobEntities carries the failure too (error_code, error); per-project results keep their own status
        # when only some projects failed (partial_results), else all fail.
        job.entities["error_code"] = code
        job.entities["error"] = reason
        if not job.partial_results:
            for result in job.entities.get("results", []):
                result["status"] = "failed"
        if job.on_fail:
            job.on_fail(job)
