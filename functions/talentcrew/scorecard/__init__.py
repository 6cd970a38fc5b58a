"""The interview scorecard: what the PDF shows (`scorecard.card`) and the PDF itself (`scorecard.render`).

`card.gather` collects a session's card from the Store; `card.content_hash` names it, so the same
data always gives the same blob; `render.render_pdf` turns it into the document a recruiter forwards.
Nothing is re-exported here: importing WeasyPrint takes most of a second, and only the report
function should pay for it.
"""
