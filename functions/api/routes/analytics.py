"""The recruiter dashboard's analytics."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS

from api.http import BEARER, caller
from talentcrew.analytics import daily, dashboard
from talentcrew.analytics.daily import AnalyticsReport
from talentcrew.analytics.dashboard import Analytics
from talentcrew.config import Platform

TAG = Tag(name="analytics", description="Figures over the workspace's jobs and interviews")


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("analytics", __name__, abp_tags=[TAG])

    @bp.get("/api/analytics/", responses={200: Analytics, **ERRORS}, security=BEARER)
    def summary() -> dict[str, Any]:
        """Per job: sessions, scores and flags; the most missed concepts; scores week by week."""
        return dashboard.recruiter_analytics(platform.store, caller(platform)).model_dump(mode="json")

    @bp.get("/api/analytics/reports/latest/", responses={200: AnalyticsReport, **ERRORS}, security=BEARER)
    def latest_report() -> dict[str, Any]:
        """The workspace's latest daily report: score and grader drift, bias audits, flags, retention, alerts."""
        return daily.latest(platform.store, caller(platform)).model_dump(mode="json")

    return bp
