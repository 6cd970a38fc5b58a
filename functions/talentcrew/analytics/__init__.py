"""Analytics: the recruiter dashboard's figures, score and grader drift, the bias audits."""
