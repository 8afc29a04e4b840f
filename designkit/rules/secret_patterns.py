"""What a secret looks like: the detectors of the secret scan (SEC006) and the scanner that runs them.

The shapes follow the published rules of gitleaks (its default config) and Yelp's detect-secrets
plugins: each provider's prefix, alphabet and length, written again here for what a design file
holds (prose, examples, DSNs, headers, config snippets). Three families:

- provider tokens with a fixed prefix (``ghp_``, ``xoxb-``, ``SG.``, ``AKIA`` ...): the prefix
  alone makes a match a secret;
- secrets that only a context makes one: a 40-character AWS secret key near an AWS word, a
  password in a DSN, after ``Bearer``, after ``password is``, or assigned to ``api_key:``; these
  are held to a test of their own (entropy, character classes, not a placeholder or reference);
- key material: private key blocks, JWTs, Azure account keys and SAS signatures.

Speed: every detector names literal anchors; the scanner finds them with ``str.find`` and runs
the detector's regex only on the lines an anchor stands on. A clean 6 MB design costs a few dozen
substring searches, not a regex pass per detector.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# ----------------------------------------------------------------------------- value tests

# A placeholder or a reference to where a secret is kept, never the secret itself.
_REFERENCE = re.compile(
    r"^(?:\$\{?[A-Za-z_]|\$\(|<|\{\{|\{%|%\(|%[A-Za-z_]+%|\*{3,}|x{3,}$|X{3,}$|\.{3}|…|\[redacted\]|redacted$"
    r"|vault:|env:|secret:|secrets:|arn:|ssm:|kms:|sm://|aws-sm:|gcp-sm:|projects/|kv/|op://|/)",
    re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Words that look like passwords to a naive test (letters and digits) but name techniques.
_TECH_WORDS = frozenset("""
argon2 argon2id argon2i argon2d bcrypt scrypt pbkdf2 sha1 sha256 sha384 sha512 sha-256 sha-512 md5
hmac hmac-sha256 hmac-sha512 aes aes128 aes256 aes-256 aes-256-gcm gcm rsa rsa2048 rsa4096 ed25519
base64 base32 utf8 utf-8 oauth oauth2 oidc http2 http3 tls tls1.2 tls1.3 x509 s3 k8s ipv4 ipv6
2fa mfa totp hotp otp sso saml webauthn fido2 p95 p99 p999 iso27001 pci-dss soc2 gdpr
""".split())
_PLAIN_PART = re.compile(r"^(?:[A-Za-z]+|\d+[A-Za-z]{0,6}|\d+|[^A-Za-z0-9]+)$")
_NAME_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$")
_WEAK_PASSWORDS = frozenset({"changeme", "letmein", "hunter2", "password", "passw0rd", "p@ssw0rd",
                             "qwerty", "admin", "root", "toor", "guest", "secret", "welcome", "default"})


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def is_reference(value: str) -> bool:
    """A placeholder (``${DB_PASSWORD}``, ``<token>``, ``***``) or a secret-store reference."""
    return bool(_REFERENCE.match(value))


def _password_like(value: str) -> bool:
    """A literal password in prose or an assignment: letters with digits or symbols, not a word."""
    if not 6 <= len(value) <= 64 or is_reference(value) or "/" in value or "\\" in value:
        return False
    if value.lower() in _WEAK_PASSWORDS:
        return True
    if not any(c.isalpha() for c in value):
        return False
    parts = [p for p in re.split(r"[-_/.,:]", value) if p]
    return not all(p.lower() in _TECH_WORDS or _PLAIN_PART.match(p) for p in parts)


def _random_token(value: str, min_len: int = 16, min_entropy: float = 3.5) -> bool:
    """A long, high-entropy mix of letters and digits that is not an id, digest-like name or reference."""
    return (len(value) >= min_len and not is_reference(value) and not _UUID.match(value)
            and not _NAME_LIKE.match(value) and any(c.isdigit() for c in value)
            and any(c.isalpha() for c in value) and entropy(value) >= min_entropy)


def _dsn_password(value: str) -> bool:
    """Any literal password in a connection URL, weak ones included; placeholders are not."""
    return bool(value) and not is_reference(value) and not re.fullmatch(r"[*x.…]+|\$[A-Z_]+", value)


def _aws_secret(value: str) -> bool:
    return (any(c.isupper() for c in value) and any(c.islower() for c in value)
            and any(c.isdigit() or c in "/+" for c in value) and entropy(value) >= 3.8)


def _basic_credentials(value: str) -> bool:
    """Base64 of ``user:password``, as an HTTP Basic header carries it."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep and user and password) and decoded.isprintable()


_B64_40 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])")
_RUN = re.compile(r"[A-Za-z0-9_\-+/=.~]{16,150}")


def _has_token(word: str, min_entropy: float = 3.5) -> bool:
    return any(_random_token(run, 16, min_entropy) for run in _RUN.findall(word))


def _has_loose_token(word: str) -> bool:
    """The gate of the detectors of tokens after a keyword (one function: the scan asks it once per word)."""
    return _has_token(word, 3.0)


# ----------------------------------------------------------------------------- detectors


@dataclass(frozen=True)
class Detector:
    """One kind of secret: how to find it cheaply, how to match it, and what of it may be shown."""

    id: str                       # stable id, e.g. github-token
    label: str                    # what a finding calls it, e.g. "a GitHub token"
    pattern: re.Pattern           # group "s" is the secret; the whole match when there is none
    anchors: tuple[str, ...]      # literal text one of which the line must hold
    lower: bool = False           # anchors are lower case and tested on the lower-cased text
    shown: int = 0                # leading characters of the secret that are a public prefix
    valid: Callable[[str], bool] | None = None   # a further test of the secret itself
    context: tuple[str, ...] = ()  # lower-case words one of which must stand within two lines
    gate: Callable[[str], bool] | None = None  # which words holding an anchor are worth a look
    min_word: int = 0             # gated detectors: the shortest word worth a look


def _d(id_, label, regex, anchors, *, flags=0, lower=False, shown=0, valid=None, context=(), gate=None,
       min_word=0):
    if any(any(c.isspace() for c in a) for a in anchors):
        raise ValueError(f"{id_}: an anchor is one word (the scan looks anchors up among the text's words)")
    return Detector(id_, label, re.compile(regex, flags), tuple(anchors), lower, shown, valid, tuple(context),
                    gate, min_word)


_END = r"(?![A-Za-z0-9_])"      # the token ends here (no \b: tokens may end in - or =)
_B64 = r"A-Za-z0-9+/"

# Ordered from the most specific to the most generic: where two overlap, the first one wins.
DETECTORS: tuple[Detector, ...] = (
    _d("private-key", "a private key", r"-----BEGIN[A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----",
       ["PRIVATE"]),
    _d("aws-access-key-id", "an AWS access key id",
       r"(?<![A-Z0-9])(?P<s>(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16})(?![A-Z0-9])",
       ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"], shown=4),
    _d("github-token", "a GitHub token", r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{36,255})" + _END,
       ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], shown=4),
    _d("github-fine-grained-token", "a GitHub fine-grained token",
       r"\b(?P<s>github_pat_[A-Za-z0-9_]{40,255})" + _END, ["github_pat_"], shown=11),
    _d("gitlab-token", "a GitLab token", r"\b(?P<s>gl(?:pat|dt|rt|ptt|cbt|oas|ft|soat)-[A-Za-z0-9_-]{20,})",
       ["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glft-", "glsoat-"], shown=6),
    _d("slack-webhook", "a Slack webhook URL",
       r"(?P<s>hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_]{3,}/[A-Za-z0-9_]{3,}/[A-Za-z0-9_/]{12,})",
       ["hooks.slack.com/"], flags=re.IGNORECASE, lower=True, shown=25),
    _d("slack-token", "a Slack token", r"\b(?P<s>xox[abposre]-(?:[0-9]+-)*[A-Za-z0-9-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{20,})",
       ["xox", "xapp-"], shown=5),
    _d("discord-webhook", "a Discord webhook URL",
       r"(?P<s>discord(?:app)?\.com/api/webhooks/\d{6,}/[A-Za-z0-9_-]{40,})", ["discord"],
       flags=re.IGNORECASE, lower=True, shown=27),
    _d("stripe-key", "a Stripe secret key", r"\b(?P<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})",
       ["k_live_", "k_test_"], shown=8),
    _d("stripe-webhook-secret", "a Stripe webhook signing secret", r"\b(?P<s>whsec_[A-Za-z0-9+/=]{24,})",
       ["whsec_"], shown=6),
    _d("google-api-key", "a Google API key", r"\b(?P<s>AIza[0-9A-Za-z_-]{35})" + _END, ["AIza"], shown=4),
    _d("google-oauth-secret", "a Google OAuth client secret", r"\b(?P<s>GOCSPX-[A-Za-z0-9_-]{28})" + _END,
       ["GOCSPX-"], shown=7),
    _d("google-oauth-token", "a Google OAuth access token", r"\b(?P<s>ya29\.[A-Za-z0-9_-]{30,})", ["ya29."],
       shown=5),
    _d("jwt", "a JSON Web Token", r"\b(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
       ["eyJ"], shown=3),
    _d("npm-token", "an npm token", r"\b(?P<s>npm_[A-Za-z0-9]{36})" + _END, ["npm_"], shown=4),
    _d("pypi-token", "a PyPI token", r"\b(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})", ["pypi-AgEI"],
       shown=5),
    _d("twilio-key", "a Twilio key or account SID", r"\b(?P<s>(?:SK|AC)[0-9a-f]{32})" + _END, ["SK", "AC"],
       shown=2),
    _d("sendgrid-key", "a SendGrid API key", r"\b(?P<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})" + _END,
       ["SG."], shown=3),
    _d("mailgun-key", "a Mailgun API key", r"\b(?P<s>key-[0-9a-f]{32})" + _END, ["key-"], shown=4),
    _d("mailchimp-key", "a Mailchimp API key", r"\b(?P<s>[0-9a-f]{32}-us[0-9]{1,2})" + _END, ["-us"]),
    _d("openai-key", "an OpenAI API key",
       r"\b(?P<s>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|sk-proj-[A-Za-z0-9_-]{40,})",
       ["T3BlbkFJ", "sk-proj-"], shown=3),
    _d("anthropic-key", "an Anthropic API key", r"\b(?P<s>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{40,})",
       ["sk-ant-"], shown=7),
    _d("vault-token", "a HashiCorp Vault token", r"\b(?P<s>hv[sbr]\.[A-Za-z0-9_-]{24,})", ["hvs.", "hvb.", "hvr."],
       shown=4),
    _d("digitalocean-token", "a DigitalOcean token", r"\b(?P<s>do[por]_v1_[a-f0-9]{64})" + _END, ["_v1_"],
       shown=7),
    _d("shopify-token", "a Shopify token", r"\b(?P<s>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})" + _END, ["shp"],
       shown=6),
    _d("huggingface-token", "a Hugging Face token", r"\b(?P<s>hf_[A-Za-z0-9]{34,})" + _END, ["hf_"], shown=3,
       valid=lambda s: entropy(s) >= 3.5),
    _d("doppler-token", "a Doppler token", r"\b(?P<s>dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,})",
       ["dp."], shown=6),
    _d("postman-key", "a Postman API key", r"\b(?P<s>PMAK-[a-f0-9]{24}-[a-f0-9]{34})" + _END, ["PMAK-"],
       shown=5),
    _d("linear-key", "a Linear API key", r"\b(?P<s>lin_api_[A-Za-z0-9]{40})" + _END, ["lin_api_"], shown=8),
    _d("newrelic-key", "a New Relic key", r"\b(?P<s>NR(?:AK|II|JS)-[A-Za-z0-9]{27,})" + _END,
       ["NRAK-", "NRII-", "NRJS-"], shown=5),
    _d("grafana-token", "a Grafana token", r"\b(?P<s>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})",
       ["glsa_", "glc_"], shown=4),
    _d("square-token", "a Square token", r"\b(?P<s>sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})", ["sq0"], shown=7),
    _d("alibaba-key", "an Alibaba Cloud access key id", r"\b(?P<s>LTAI[A-Za-z0-9]{20})" + _END, ["LTAI"],
       shown=4),
    _d("age-key", "an age secret key", r"(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
       ["AGE-SECRET-KEY-1"], shown=15),
    _d("azure-ad-client-secret", "an Azure AD client secret",
       r"(?<![A-Za-z0-9_~.])(?P<s>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])", ["Q~"]),
    _d("azure-storage-key", "an Azure storage account key",
       rf"(?i:accountkey|shared_?key|storage_?key|azure_?storage_?key)\s*[=:]\s*[\"']?(?P<s>[{_B64}]{{40,}}={{0,2}})",
       ["accountkey", "shared", "storage"], lower=True),
    _d("azure-sas-token", "an Azure SAS signature",
       r"(?i:[?&]|^|\s)sig=(?P<s>[A-Za-z0-9%+/]{20,}(?:%3[Dd]|=){0,2})", ["sig="], lower=True,
       context=("sv=", "se=", "sp=", "windows.net", "azure")),
    _d("aws-secret-key", "an AWS secret access key",
       rf"(?<![{_B64}:._-])(?P<s>[{_B64}]{{40}})(?![{_B64}=._-])",
       [""], valid=_aws_secret, gate=lambda w: any(_aws_secret(r) for r in _B64_40.findall(w)), min_word=40,
       context=("aws", "akia", "asia", "secret_access", "secretaccess")),
    _d("url-password", "a password in a connection URL",
       r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"`]*:(?P<s>[^\s/@'\"`]+)@[^\s/@'\"`]", ["://"],
       flags=re.IGNORECASE, valid=_dsn_password, gate=lambda w: "@" in w),
    _d("basic-auth", "HTTP Basic credentials", r"\bBasic\s+(?P<s>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
       ["basic"], flags=re.IGNORECASE, lower=True, valid=_basic_credentials),
    _d("bearer-token", "a bearer token", r"\bBearer\s+(?P<s>[A-Za-z0-9._~+/-]{16,}=*)", [""],
       flags=re.IGNORECASE, valid=lambda s: _random_token(s, 16, 3.0), gate=_has_loose_token,
       min_word=16),
    _d("password-prose", "a password or secret in prose",
       r"(?<![:/])(?i:\b(?:password|passwd|passphrase|pwd|pass ?code|secret|token)\b)[^.\n:=]{0,40}?"
       r"(?:\s(?i:is|was|are|reads|becomes|(?:set|changed|reset) to)\s+|\s*[:=]\s*)[\"'`“]?(?P<s>[^\s\"'`”,;)\[\]{}]{6,64})",
       ["passw", "passphrase", "pwd", "passcode", "secret", "token"], lower=True, valid=_password_like),
    _d("assigned-secret", "a secret assigned to a key",
       r"(?i:(?:api|access|auth|client|private|secret|signing|encryption|master|app)[_. -]?(?:key|token|secret)"
       r"|secret|token|credentials?)[\w.-]{0,20}[\"'`]?\s*(?:[:=]|=>|:=)\s*[\"'`]?(?P<s>[A-Za-z0-9_\-+/=.~]{16,150})"
       r"(?=$|[\s\"'`,;})\]])", [""], valid=lambda s: _random_token(s, 16, 3.0),
       gate=_has_loose_token, min_word=16),
)
BY_ID: dict[str, Detector] = {d.id: d for d in DETECTORS}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Found:
    """One secret in a text: which kind, the secret itself, and where (offset, 1-based line)."""

    detector: Detector
    secret: str
    start: int
    line: int

    def masked(self) -> str:
        """How a finding names the secret: its public prefix at most, and its length."""
        shown = self.secret[:self.detector.shown] + "…" if self.detector.shown else ""
        return f"{shown + ', ' if shown else ''}{len(self.secret)} characters, value not shown"


def _lower(text: str) -> str:
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _window(text: str, start: int, end: int, lines: int) -> tuple[int, int]:
    """Offsets of the lines from ``lines`` above ``start`` to ``lines`` below ``end``."""
    a = start
    for _ in range(lines + 1):
        a = text.rfind("\n", 0, a)
        if a < 0:
            break
    b = end - 1
    for _ in range(lines + 1):
        b = text.find("\n", b + 1)
        if b < 0:
            b = len(text)
            break
    return a + 1, b


def _chunks(text: str, size: int = 1 << 16) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of whole lines of about ``size`` characters, each with its offset:
    splitting a 6 MB design at once holds a million strings (30 MiB) where a piece's are few."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end
        yield start, text[start:end]
        start = end + 1


def _words(text: str) -> set[str]:
    """The distinct whitespace-separated words of ``text``."""
    words: set[str] = set()
    for _, piece in _chunks(text):
        words.update(piece.split())
    return words


def _lines_holding(text: str, words: set[str]) -> list[tuple[int, int]]:
    """Offsets (start, end) of the lines of ``text`` that hold one of ``words`` (whitespace-separated
    words of the text), in one pass: searching the text once per word cost a pass per word (0.2 s
    on an imported 1.5 MB design whose 210 operation names pass the token gate)."""
    out: list[tuple[int, int]] = []
    for a, piece in _chunks(text):
        for line in piece.split("\n"):
            if not words.isdisjoint(line.split()):
                out.append((a, a + len(line)))
            a += len(line) + 1
    return out


def _needles(det: Detector, words: set[str], vocab: str, vocab_lower: str) -> list[str]:
    """What to look for in the text for ``det``: its anchors that occur, or the gated words."""
    hay = vocab_lower if det.lower else vocab
    if det.gate is None:
        return [a for a in det.anchors if a in hay]
    if det.anchors == ("",):
        return [w for w in words if len(w) >= det.min_word and det.gate(w)]
    out: set[str] = set()
    for anchor in det.anchors:
        pos = hay.find(anchor)
        while pos >= 0:
            a = vocab.rfind("\n", 0, pos) + 1
            b = vocab.find("\n", pos)
            word = vocab[a:b if b >= 0 else len(vocab)]
            if len(word) >= det.min_word and det.gate(word):
                out.add(word)
            pos = hay.find(anchor, b) if b >= 0 else -1
    return sorted(out)


def scan(text: str) -> list[Found]:
    """Every secret in ``text``, in order; overlapping matches keep the more specific detector.

    Anchors are first looked up in the text's vocabulary (its distinct whitespace-separated
    words, a small fraction of a large design), so a detector whose anchors never occur costs a
    search of that short text; only the lines holding an anchor are matched against the regex.
    """
    if not text:
        return []
    words = _words(text)
    vocab = "\n".join(words)
    vocab_lower = _lower(vocab)
    lowered: str | None = None
    spans: list[tuple[int, int, Detector, str]] = []
    # Detectors with the same gate on every word share its answer: the lines holding a gated word.
    gated: dict[tuple, list[tuple[int, int]]] = {}
    for det in DETECTORS:
        if det.anchors == ("",):
            key = (det.gate, det.min_word)
            if key not in gated:
                needles = _needles(det, words, vocab, vocab_lower)
                gated[key] = _lines_holding(text, set(needles)) if needles else []
            if gated[key] and (det.lower or det.context):
                lowered = lowered if lowered is not None else _lower(text)
            for a, b in gated[key]:
                _match_line(det, text, lowered, a, b, spans)
            continue
        needles = _needles(det, words, vocab, vocab_lower)
        if not needles:
            continue
        if det.lower or det.context:
            lowered = lowered if lowered is not None else _lower(text)
        hay = lowered if det.lower and det.gate is None else text
        done: set[int] = set()
        for needle in needles:
            pos = hay.find(needle)
            while pos >= 0:
                a, b = _window(text, pos, pos + 1, 0)
                if a not in done:
                    done.add(a)
                    _match_line(det, text, lowered, a, b, spans)
                pos = hay.find(needle, b)
    spans.sort(key=lambda s: s[0])
    found: list[Found] = []
    line, at = 1, 0
    for start, _, det, secret in spans:
        line += text.count("\n", at, start)
        at = start
        found.append(Found(det, secret, start, line))
    return found


def _match_line(det: Detector, text: str, lowered: str | None, a: int, b: int, spans: list) -> None:
    for m in det.pattern.finditer(text[a:b]):
        secret = m.group("s") if "s" in det.pattern.groupindex else m.group(0)
        if not secret or (det.valid is not None and not det.valid(secret)):
            continue
        start = a + (m.start("s") if "s" in det.pattern.groupindex else m.start())
        end = start + len(secret)
        if det.context:
            c, d = _window(lowered, start, end, 2)
            if not any(word in lowered[c:d] for word in det.context):
                continue
        if any(s < end and start < e for s, e, _, _ in spans):
            continue
        spans.append((start, end, det, secret))


def first_kind(text: str) -> str | None:
    """The label of the first secret in ``text``, or None."""
    found = scan(text)
    return found[0].detector.label if found else None
