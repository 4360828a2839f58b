"""One reading of what agents write, shared by the tools that accept it and the oracle.

The rule: whatever a tool accepts, the oracle reads the same way; whatever the oracle would not
read, the tool refuses at call time with an error that says how to write it. So a platform,
phone number or address goes through the same function in the tool (which keeps the canonical
form, or refuses with the `ValueError`'s text) and in the oracle (which compares canonical
forms). Links are free text (an SMS, a mail body): nothing can refuse them, so the oracle finds
them the way a reader's phone or mail client does.

Where a link ends follows GitHub's extended autolinks (trailing `?!.,:*_~` and unbalanced
closing brackets are not part of it, `&entity;` neither) and twitter-text's character set (past
ASCII, a link holds letters, marks and digits, never quotes, brackets, spaces or punctuation
such as `“”«»「」。，`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from email.utils import getaddresses
from functools import lru_cache
from urllib.parse import unquote, urlsplit

__all__ = ["address_key", "content_type", "iso_date", "link_key", "links", "mail_address",
           "mail_addresses", "name_key", "phone_key", "phone_number", "platform_key",
           "platform_name", "whole_value"]

# -- links -------------------------------------------------------------------------------------

#: Where a link starts: a web scheme, or `www.` (as GitHub autolinks), not inside a word.
_START = re.compile(r"(?<![^\W_]|[.+-])(?:https?://|www\.)", re.IGNORECASE)
#: ASCII that never stands in a link as written (RFC 3986's excluded characters).
_ASCII_STOP = frozenset(' "<>`{}|\\^')
#: Trailing characters that end a sentence, not a link (GitHub's list, with quotes).
#: A closing bracket the link did not open is the sentence's too (see `_end`).
_TRAILING = frozenset("?!.,:;*_~'\"")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_ENTITY = re.compile(r"&[A-Za-z0-9#]+;$")


def _in_link(char: str) -> bool:
    if char.isascii():
        return char.isprintable() and char not in _ASCII_STOP
    # Past ASCII: letters, marks and digits (an IRI's words); never punctuation, spaces,
    # symbols (emoji) or format characters.
    return unicodedata.category(char)[0] in "LMN"


def _trim(link: str) -> str:
    """A link without the punctuation that ends the sentence around it."""
    end = len(link)  # an index, not slices: a run of a million dots stays linear
    while end:
        last = link[end - 1]
        # An entity's name is short: look only that far back.
        entity = _ENTITY.search(link, max(0, end - 40), end) if last == ";" else None
        if entity:
            end = entity.start()
        elif last in _TRAILING:
            end -= 1
        else:
            break
    return link[:end]


#: A run of characters that may be a link's: the fast first cut, in C.
_RUN = re.compile(r"[^\s\"<>`{}|\\^]+")
#: What the run may hold that needs a closer look: non-ASCII, and brackets.
_SPECIAL = re.compile(r"[^\x21-\x7e]|[()\[\]]")


def _end(text: str, start: int) -> int:
    """Where the link going on at `start` stops.

    Before a character no link holds, or a closing bracket it did not open (`[url](url)`,
    `(see url)`).
    """
    run = _RUN.match(text, start)
    stop = run.end() if run else start
    depth = dict.fromkeys(_CLOSERS.values(), 0)
    for special in _SPECIAL.finditer(text, start, stop):
        char = special.group()
        if char in depth:
            depth[char] += 1
        elif char in _CLOSERS:
            if not depth[_CLOSERS[char]]:
                return special.start()
            depth[_CLOSERS[char]] -= 1
        elif not _in_link(char):
            return special.start()
    return stop


def links(text: str, hosts: tuple[str, ...] = ()) -> list[str]:
    """The links in free text, as a reader's client would make them clickable, in order.

    Args:
        text: An SMS, a mail body (plain or HTML), any agent text.
        hosts: Host names recognised without a scheme too (`videos.desk.example/youtube/1`).

    Returns:
        Each link as written, without the quotes, brackets or punctuation around it.
    """
    start = _START
    if hosts:
        bare = "|".join(re.escape(h) + "/" for h in hosts)
        start = re.compile(rf"{_START.pattern}|(?<![^\W_]|[.+/@-])(?:{bare})", re.IGNORECASE)
    found = []
    position = 0
    while match := start.search(text, position):
        end = _end(text, match.end())
        link = _trim(text[match.start():end])
        if len(link) > len(match.group()):
            found.append(link)
        position = max(end, match.end())
    return found


def link_key(link: str) -> str:
    """What a link leads to, for comparing links: `host/path`, without what does not matter.

    The scheme (http is redirected to https), letter case of the host, a trailing dot on it,
    a default port, percent-encoding, a trailing slash, the query and the fragment are
    ignored; a link written without a scheme reads as https.
    """
    link = link.strip()
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", link):
        link = "https://" + link
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:  # a bad port or bracket: compared as written
        return link
    if port is not None and port not in (80, 443):
        host += f":{port}"
    path = unicodedata.normalize("NFC", unquote(parts.path))
    path = re.sub("/{2,}", "/", path).rstrip("/")
    return f"{host}{path}"


# -- platforms and names -----------------------------------------------------------------------

_PLATFORM = re.compile(r"^[^\W_]+$")  # letters and digits: a URL's path segment as it is
#: What may separate the words of a platform's name: dropped ("You Tube" is youtube).
_PLATFORM_SEPARATORS = re.compile(r"[\s_-]+")


def platform_name(value: str) -> str:
    """A platform's canonical name: `YouTube`, ` you-tube ` and `ＹｏｕＴｕｂｅ` are `youtube`.

    A name with anything but letters and digits (`youtube.com`, `you/tube`) is refused rather
    than guessed at: the agent is told the plain name is wanted.

    Raises:
        ValueError: Not a platform name (empty, or with characters a name does not hold).
    """
    name = _PLATFORM_SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).casefold()
    name = name.strip(".")  # sentence punctuation: `youtube.` is youtube
    if not (_PLATFORM.match(name) and name.isascii()):
        raise ValueError(f"platform {value!r} is not a platform name: use its plain name in "
                         "letters and digits, e.g. youtube")
    return name


def platform_key(value: str) -> str:
    """A platform name for comparing: its canonical name, or the text itself folded."""
    try:
        return platform_name(value)
    except ValueError:
        return value.strip().casefold()


def name_key(value: object) -> str:
    """A name (a person, a product, an id) for comparing: Unicode form, case and spacing ignored."""
    text = unicodedata.normalize("NFC", str(value)).casefold()
    return " ".join(text.split())


def iso_date(value: str) -> str:
    """A calendar date as `YYYY-MM-DD`, from ISO 8601 forms (`2026-03-28`, ` 20260328 `).

    Raises:
        ValueError: Not an ISO 8601 calendar date; the text says how to write it.
    """
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-03-28") \
            from None


# -- media types -------------------------------------------------------------------------------

_MEDIA_TOKEN = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*$")  # RFC 6838's restricted names


def content_type(value: str) -> str:
    """A media type as mail readers compare it: `Image / PNG; name=x` is `image/png`.

    Raises:
        ValueError: Not of the form type/subtype.
    """
    kind, _, subtype = value.split(";", 1)[0].partition("/")
    kind, subtype = kind.strip().lower(), subtype.strip().lower()
    if not (_MEDIA_TOKEN.match(kind) and _MEDIA_TOKEN.match(subtype)):
        raise ValueError(f"content_type {value!r} is not of the form type/subtype, e.g. image/png")
    return f"{kind}/{subtype}"


# -- phone numbers -----------------------------------------------------------------------------

#: What people write between a number's digits (spaces, dashes of every kind, dots, brackets).
_PHONE_SEPARATORS = re.compile(r"[\s.()/\u2010-\u2015\u2212-]+")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def phone_number(value: str) -> str:
    """A phone number in E.164 (`+15551234567`), from the ways people write one.

    Spaces, dashes, dots and brackets between digits, a `tel:` prefix and digits of any script
    (full-width, Arabic-Indic...) are read; a number without its country code is refused, since
    which country it belongs to cannot be known.

    Raises:
        ValueError: Not a phone number in international form; the text says how to write it.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"^tel:", "", text, flags=re.IGNORECASE)
    text = _PHONE_SEPARATORS.sub("", text)
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    example = "in E.164 form: + and the country code, then the number, e.g. +15551234567"
    if text.isdigit():
        raise ValueError(f"{value!r} has no country code: give the number {example}")
    if not _E164.match(text):
        raise ValueError(f"{value!r} is not a phone number: give it {example}")
    return text


def phone_key(value: str) -> str:
    """A phone number for comparing: E.164, or the text itself when it is no number."""
    try:
        return phone_number(value)
    except ValueError:
        return value.strip()


# -- mail addresses ----------------------------------------------------------------------------

#: Longer than any address list a person writes (an address is at most 254 characters).
_ENTRY_MAX = 4096
_ONE_BRACKETED = re.compile(r"^[^<>@]*<([^<>]+)>$")
_LOCAL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+$")
_DOMAIN = re.compile(r"^(?:[^\W_](?:[\w-]*[^\W_])?\.)*[^\W_](?:[\w-]*[^\W_])?$")


def _address(spec: str, written: str) -> str:
    local, at, domain = spec.rpartition("@")
    domain = domain.rstrip(".")  # the root's dot: the same domain
    if not at or not _LOCAL.match(local) or not _DOMAIN.match(domain):
        raise ValueError(f"{written!r} is not an email address: give it as name@domain, e.g. "
                         "ana@example.org (a display name may go before it: Ana <ana@example.org>)")
    try:  # an international domain as SMTP carries it (xn--): one name for one domain
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"{written!r}: the domain {domain!r} is not a valid domain name") from exc
    return f"{local}@{domain.lower()}"


def mail_addresses(values: list[str]) -> list[str]:
    """The addresses a list of recipients names, each once, in order.

    Each entry may carry a display name (`Ana <ana@x.org>`), angle brackets, a `mailto:`
    prefix, a trailing dot on the domain, or several addresses separated by commas, as an
    address header does. The domain comes back in lower case; addresses that differ only in
    letter case count once.

    Raises:
        ValueError: An entry holds no address, or something that is not one.
    """
    found: dict[str, str] = {}
    for value in values:
        if len(value) > _ENTRY_MAX:
            raise ValueError(f"a recipient entry of {len(value)} characters is no address list; "
                             "give one address per entry, e.g. ana@example.org")
        text = unicodedata.normalize("NFC", value).strip()
        text = re.sub(r"(?<![^\s<,;])mailto:", "", text, flags=re.IGNORECASE)
        # Outlook's separator, outside quoted names; a comma or semicolon at either end is none.
        chunks = text.split('"')
        chunks[::2] = [chunk.replace(";", ",") for chunk in chunks[::2]]
        text = '"'.join(chunks).strip(" ,")
        parsed = [spec for _, spec in getaddresses([text])]
        if len(parsed) > 1 and (one := _ONE_BRACKETED.match(text)):
            parsed = [one.group(1)]  # a display name with a comma, unquoted: Müller, Ana <a@x>
        # The parser joins what spaces split (`ana@exa mple.org`): an address is written whole.
        if not parsed or any(not spec or spec not in text for spec in parsed):
            raise ValueError(f"{value!r} is not an email address: give it as name@domain, e.g. "
                             "ana@example.org")
        for spec in parsed:
            address = _address(spec, value)
            found.setdefault(address.lower(), address)
    return list(found.values())


def mail_address(value: str) -> str:
    """One recipient's address (see `mail_addresses`).

    Raises:
        ValueError: The text holds no address, or more than one.
    """
    addresses = mail_addresses([value])
    if len(addresses) != 1:
        raise ValueError(f"{value!r} names {len(addresses)} addresses; give one")
    return addresses[0]


def address_key(value: str) -> str:
    """An address for comparing: as `mail_address` reads it, in lower case.

    The local part's case is ignored too, as the common mailbox providers do (and as SMTP
    faults match recipients); text that is no address is compared as written, folded.
    """
    try:
        return mail_address(value).lower()
    except ValueError:
        return unicodedata.normalize("NFC", value).strip().lower()


@lru_cache(maxsize=1024)
def whole_value(key: str) -> re.Pattern[str]:
    """`key` where it stands whole: no digit run or word goes on past either of its ends.

    `1.2.3` stands whole in `v1.2.3` and `version 1.2.3.`, never in `1.2.30`, `11.2.3` or
    `1.2.3.4`; `Zoë` never in `Zoës`. What a fault swaps and what the oracle finds agree.
    """
    left = right = ""
    if key[0].isdigit():  # a letter before a number is a prefix (`v1.2`), a digit is not
        left = r"(?<!\d)(?<!\d[.,])"
    elif key[0].isalnum() or key[0] == "_":
        left = r"(?<!\w)(?<!\w[.,-])"
    if key[-1].isdigit():
        right = r"(?!\d)(?![.,]\d)"
    elif key[-1].isalnum() or key[-1] == "_":
        right = r"(?!\w)(?![.,-]\w)"
    return re.compile(left + re.escape(key) + right)
