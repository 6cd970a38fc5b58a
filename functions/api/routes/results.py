"""Reviewing many candidates: the results list (sorted, filtered), its CSV export, and a side-by-side comparison."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem

from api.http import BEARER, IdPath, Paged, caller, paged
from talentcrew import results
from talentcrew.api_keys import Scope
from talentcrew.config import Platform
from talentcrew.results import CompareQuery, Comparison, ResultRow, ResultsFilter, ResultsQuery

TAG = Tag(name="results", description="The workspace's completed interviews: sorted, filtered, exported, compared")
CSV: dict[str, Any] = {
    "description": "One row per interview, then one column per skill of their jobs' rubrics (`skill: <name>`).",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("results", __name__, abp_tags=[TAG])
    store = platform.store

    @bp.get("/api/results/", responses={200: Paged[ResultRow], **ERRORS}, security=BEARER)
    def listing(query: ResultsQuery) -> dict[str, Any]:
        """The completed interviews with score, recommendation, decision, job title and flag counts.

        Newest first unless `sort` says otherwise; ties break by session id, so no interview is repeated or
        skipped across pages. A cursor from another sort is a 422. API keys with `results:read` may call it."""
        return paged(results.page(store, caller(platform, scope=Scope.RESULTS_READ), query))

    @bp.get("/api/results/export.csv", responses={200: dict(CSV), **ERRORS}, security=BEARER)
    def export(query: ResultsFilter) -> Response:
        """Every interview the filters match, in the sort's order, as a CSV file (the read is audited).

        A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
        spreadsheet shows it rather than running it."""
        exported = results.export(store, caller(platform, scope=Scope.RESULTS_READ), query)
        name = f"talentcrew-results-{results.today().isoformat()}.csv"
        return Response(
            exported.lines,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/api/jobs/<id>/compare/", responses={200: Comparison, 409: Problem, **ERRORS}, security=BEARER)
    def compare(path: IdPath, query: CompareQuery) -> dict[str, Any]:
        """2-4 completed interviews of the job side by side, in the order asked, with per-skill means.

        404 if the job or an interview is not the workspace's or not of that job; 409 if one has not ended.
        It shows graded answers' scores, so each interview's audit trail records the read."""
        return results.compare(store, caller(platform, scope=Scope.RESULTS_READ), path.id, query.ids()).model_dump(
            mode="json"
        )

    return bp
