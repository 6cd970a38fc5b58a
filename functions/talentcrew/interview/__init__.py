"""Interview control: deterministic code decides the structure; the brain only grades and words."""
