"""The question bank, version 2026.12.2: it loads, it covers the skills, and its data keeps itself honest."""

from __future__ import annotations

import json
import string
from collections import Counter

import pytest

from talentcrew.interview.bank import BANK_ROOT, CURRENT_VERSION, BankQuestion, Phrases, QuestionBank
from talentcrew.interview.safety import gives_away
from talentcrew.questions import Prompt

POSTED = {
    "Java": "java",
    "Go": "go",
    "C#/.NET": "csharp-dotnet",
    "TypeScript": "typescript",
    "Rust": "rust",
    "C++": "cpp",
    "Kotlin/Android": "kotlin-android",
    "Swift/iOS": "swift-ios",
    "React": "react",
    "Angular": "angular",
    "Vue": "vue",
    "State Management": "state-management",
    "Node.js": "nodejs",
    "Spring Boot": "spring-boot",
    "Django": "django",
    "FastAPI/Flask": "fastapi-flask",
    "GraphQL": "graphql",
    "Docker": "docker",
    "Kubernetes": "kubernetes",
    "AWS": "aws",
    "Google Cloud": "google-cloud",
    "Azure": "azure",
    "Linux": "linux",
    "Networking (TCP/IP, DNS, HTTP)": "networking",
    "Object-Oriented Design": "object-oriented-design",
    "Design Patterns": "design-patterns",
    "Algorithms and Complexity": "data-structures",
    "Machine Learning": "machine-learning",
    "Data Engineering (batch/stream, warehouses)": "data-engineering",
    "NoSQL": "nosql",
    "Observability": "observability",
    "CI/CD": "ci-cd",
}
"""What jobs are posted for (issue 16's list), as a recruiter would write each, and the bank skill that is it."""
REQUIRED_SKILLS = {
    "python",
    "javascript",
    "sql",
    "databases",
    "system-design",
    "caching",
    "rest-apis",
    "concurrency",
    "testing",
    "web-security",
    "data-structures",
    "messaging",
    "cloud-devops",
    "java",
    "spring-boot",
    "kubernetes",
    "docker",
    "graphql",
    "nodejs",
    "aws",
    "csharp-dotnet",
    "go",
    "rust",
    "typescript",
    "angular",
    *POSTED.values(),
}
ALLOWED_PLACEHOLDERS = {"skill", "question"}
NEEDS_QUESTION = {"opening", "drill", "acknowledge_and_pivot", "gentle_pivot", "off_topic", "rephrase"}
NEEDS_SKILL = {"opening", "acknowledge_and_pivot", "gentle_pivot", "off_topic", "uncovered_skill"}


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.load(CURRENT_VERSION)


def _questions(bank: QuestionBank) -> list[BankQuestion]:
    return [question for skill in bank.skills.values() for question in skill.questions]


def _prompts(question: BankQuestion) -> list[Prompt]:
    return [question, *question.follow_ups]


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _templates(bank: QuestionBank) -> dict[str, list[str]]:
    return {category: getattr(bank.phrases, category) for category in Phrases.model_fields}


def test_the_current_version_loads_and_validates(bank: QuestionBank) -> None:
    assert bank.version == CURRENT_VERSION == "2026.12.2"
    files = {path.stem for path in (BANK_ROOT / CURRENT_VERSION).glob("*.json")} - {"phrases"}
    assert set(bank.skills) == files, "every skill file is named after its skill"
    assert bank.question("caching-1").id == "caching-1"


def test_the_bank_covers_the_required_skills_at_every_level(bank: QuestionBank) -> None:
    assert len(bank.skills) >= 40
    assert set(bank.skills) >= REQUIRED_SKILLS
    for name, skill in bank.skills.items():
        levels = Counter(question.level for question in skill.questions)
        assert len(skill.questions) >= 5, name
        assert set(levels) == {1, 2, 3}, name
        assert min(levels.values()) >= 2, f"{name} needs two questions at each level: {dict(levels)}"


def test_question_ids_are_unique_and_name_their_skill(bank: QuestionBank) -> None:
    ids = [question.id for question in _questions(bank)]
    assert [id_ for id_, count in Counter(ids).items() if count > 1] == []
    for name, skill in bank.skills.items():
        assert all(question.id.startswith(f"{name}-") for question in skill.questions), name


def test_every_question_has_two_drill_downs_with_answers_and_concepts(bank: QuestionBank) -> None:
    for question in _questions(bank):
        assert len(question.follow_ups) == 2, question.id
        assert 3 <= len(question.key_concepts) <= 6, question.id
        for follow_up in question.follow_ups:
            assert follow_up.ideal_answer.strip(), question.id
            assert len(follow_up.key_concepts) >= 2, question.id


def test_concept_terms_are_lower_case_and_not_too_short(bank: QuestionBank) -> None:
    for question in _questions(bank):
        for prompt in _prompts(question):
            for concept in prompt.key_concepts:
                for term in concept.terms:
                    assert len(term) >= 3, (question.id, concept.name, term)
                    assert term == term.lower().strip(), (question.id, concept.name, term)


def test_every_ideal_answer_touches_each_of_its_own_concepts(bank: QuestionBank) -> None:
    untouched = [
        (question.id, prompt.question[:40], concept.name)
        for question in _questions(bank)
        for prompt in _prompts(question)
        for concept in prompt.key_concepts
        if not any(term in prompt.ideal_answer.lower() for term in concept.terms)
    ]
    assert untouched == []


def test_every_question_and_follow_up_says_what_wrong_looks_like(bank: QuestionBank) -> None:
    """At least three distinct wrong claims per prompt, each with a correction, and terms that a correct answer
    (its own ideal answer and concept terms) does not use: a term that did would cap right answers."""
    for question in _questions(bank):
        for prompt in _prompts(question):
            where = (question.id, prompt.question[:40])
            assert len(prompt.misconceptions) >= 3, where
            claims = [m.claim.casefold() for m in prompt.misconceptions]
            assert len(set(claims)) == len(claims), where
            ideal = prompt.ideal_answer.lower()
            concept_terms = {term for concept in prompt.key_concepts for term in concept.terms}
            for misconception in prompt.misconceptions:
                assert misconception.claim.casefold() != misconception.correction.casefold(), where
                for term in misconception.terms:
                    assert len(term) >= 3 and term == term.lower().strip(), (*where, term)
                    assert term not in ideal and term not in concept_terms, (*where, term)


def test_phrases_use_only_the_allowed_placeholders_and_format(bank: QuestionBank) -> None:
    for category, templates in _templates(bank).items():
        assert len(templates) >= 2, category
        for template in templates:
            used = _placeholders(template)
            assert used <= ALLOWED_PLACEHOLDERS, (category, template)
            assert ("question" in used) == (category in NEEDS_QUESTION), (category, template)
            if category in NEEDS_SKILL:
                assert "skill" in used, (category, template)
            worded = template.format(skill="Caching", question="What is a TTL?")
            assert "{" not in worded and "}" not in worded, (category, template)


def test_the_phrases_file_holds_exactly_the_phrase_categories() -> None:
    raw = json.loads((BANK_ROOT / CURRENT_VERSION / "phrases.json").read_text())
    assert set(raw) == set(Phrases.model_fields)


@pytest.mark.parametrize(
    ("rubric_skill", "expected"),
    [
        ("Database Query Optimization", "databases"),
        ("Caching Strategies", "caching"),
        ("RESTful API Design", "rest-apis"),
        ("Python", "python"),
        ("System Design", "system-design"),
        ("Concurrency and Multithreading", "concurrency"),
        ("Unit Testing", "testing"),
        ("JavaScript", "javascript"),
        ("SQL", "sql"),
        ("PostgreSQL", "databases"),
        ("Redis", "caching"),
        ("Kafka", "messaging"),
        ("Event-Driven Architecture", "messaging"),
        ("Docker", "docker"),
        ("Kubernetes", "kubernetes"),
        ("Spring Boot", "spring-boot"),
        ("Java 21", "java"),
        ("GraphQL", "graphql"),
        ("Node.js", "nodejs"),
        ("AWS", "aws"),
        ("C#", "csharp-dotnet"),
        ("ASP.NET Core", "csharp-dotnet"),
        ("CI/CD", "ci-cd"),
        ("Vue", "vue"),
        ("Python Django", "django"),
        ("Golang", "go"),
        ("Go", "go"),
        ("Rust", "rust"),
        ("TypeScript", "typescript"),
        ("Angular 17", "angular"),
        ("APIs", "rest-apis"),
        ("OWASP Top 10", "web-security"),
        ("SQL Injection", "web-security"),
        ("Data Structures & Algorithms", "data-structures"),
        ("Underwater Basket Weaving", None),
    ],
)
def test_skill_for_maps_rubric_phrases_onto_bank_skills(
    bank: QuestionBank, rubric_skill: str, expected: str | None
) -> None:
    found = bank.skill_for(rubric_skill)
    assert (found.skill if found else None) == expected


@pytest.mark.parametrize(("rubric_skill", "expected"), POSTED.items())
def test_every_commonly_posted_skill_has_its_own_questions(
    bank: QuestionBank, rubric_skill: str, expected: str
) -> None:
    found = bank.match(rubric_skill)
    assert found is not None and (found.skill.skill, found.broader) == (expected, False)


def test_aliases_are_lower_case_and_belong_to_one_skill(bank: QuestionBank) -> None:
    for name, skill in bank.skills.items():
        for alias in skill.aliases:
            assert alias == alias.lower(), (name, alias)
            found = bank.skill_for(alias)
            assert found is not None and found.skill == name, (name, alias, found and found.skill)


@pytest.mark.parametrize(
    ("rubric_skill", "expected", "broader"),
    [
        ("Svelte", "javascript", True),
        ("Frontend Development", "javascript", True),
        ("Serverless", "cloud-devops", True),
        ("Deep Learning", "machine-learning", True),
        ("PyTorch", "machine-learning", True),
        ("React Native", "react", True),
        ("Next.js", "react", True),
        ("React", "react", False),
        ("Vue.js", "vue", False),
        ("MongoDB", "nosql", False),
        ("JavaScript", "javascript", False),
        ("Kubernetes", "kubernetes", False),
    ],
)
def test_a_skill_without_its_own_questions_maps_to_a_broader_one_and_says_so(
    bank: QuestionBank, rubric_skill: str, expected: str, broader: bool
) -> None:
    found = bank.match(rubric_skill)
    assert found is not None and (found.skill.skill, found.broader) == (expected, broader)


def test_a_covered_name_is_no_skill_s_own_name(bank: QuestionBank) -> None:
    """A name both covered and owned would never be reported as broader: the owner always wins."""
    for name, skill in bank.skills.items():
        for covered in skill.covers:
            assert covered == covered.lower(), (name, covered)
            owner = bank.skill_for(covered)
            assert owner is not None and owner.skill == name, (name, covered, owner and owner.skill)
            assert bank.match(covered).broader, (name, covered)  # type: ignore[union-attr]


def test_every_question_has_a_second_wording_that_gives_nothing_away(bank: QuestionBank) -> None:
    """What the offline interviewer asks when a candidate asks for the question rephrased: other words, the same
    question, and none of its key concepts' terms that the question itself does not name."""
    for question in _questions(bank):
        for prompt in _prompts(question):
            where = (question.id, prompt.question[:40])
            assert prompt.rewording, where
            assert prompt.rewording.casefold() != prompt.question.casefold(), where
            assert not gives_away(prompt.rewording, prompt.question, prompt), where
            said, asked = prompt.rewording.lower(), prompt.question.lower()
            named = [t for c in prompt.key_concepts for t in c.terms if t in said and t not in asked]
            assert named == [], (*where, named)
