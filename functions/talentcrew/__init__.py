"""TalentCrew: the domain package (models, ports, rules); adapters live in `talentcrew.adapters`."""
