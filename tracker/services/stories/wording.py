"""Small grammar fixes for generated story text, and the checks lint makes on wording.

A story is read as one sentence: "As a <role>, I want <want>, so that <benefit>." Ideas are
typed by many people ("Add a batch action for QA.", "Routing spam to bots"), so the parts are
fitted into that sentence here rather than in every configured template.
"""

from __future__ import annotations

import re

# Verbs ideas usually start with ("Add a batch action ..."): "I want to add a batch action ...".
_VERBS = frozenset(
    """add allow auto-close automate avoid block build change check close collect combine
    create cut detect disable display drop enable escalate export fix flag forward group hide
    import improve include introduce let limit link log make merge move notify offer prefill
    prevent prioritise prioritize provide reduce remove rename replace require reroute reuse
    route save send set show simplify skip sort split start stop suggest support switch tag
    track translate update use validate""".split()
)
# Ordinary words that start a sentence with a capital only because they start it.
_COMMON_STARTS = frozenset(
    "a an all any each every more fewer less new no our the these this those we".split()
)
_FIRST_WORD = re.compile(r"^([A-Za-z][A-Za-z-]*)(.*)$", re.DOTALL)
_TRAILING = re.compile(r"[\s.,;:!]+$")
# Two sentence marks in a row ("., " "..", ",,", ";,"), not an ellipsis "...".
_DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|[,;:]{2,}|[.!?][,;:]|[,;:]\.")
# " ," and " ." (but not " .NET" or " ...").
_SPACE_BEFORE = re.compile(r"\s+[,;:]|\s+[.!?](?=\s|$)")


def _undouble(line: str) -> str:
    while (match := _DOUBLED.search(line)) is not None:
        # "., " inside a sentence keeps the comma; ".." and ",," keep one mark.
        pair = match.group()
        keep = pair[-1] if pair[0] in ".!?" and pair[-1] in ",;:" else pair[0]
        line = line[: match.start()] + keep + line[match.end() :]
    return line


def tidy(text: str) -> str:
    """One line, one space between words, no space before a mark and no doubled marks."""
    line = _undouble(" ".join(text.split()))
    line = _SPACE_BEFORE.sub(lambda match: match.group().strip() + " ", line)
    # Closing a gap can make a new pair ("x. ," became "x.,"), and leave a space to trim.
    return " ".join(_undouble(line).split())


def clause(text: str) -> str:
    """Tidied text without the closing mark, ready to sit inside a longer sentence."""
    return _TRAILING.sub("", tidy(text))


def lower_first(text: str) -> str:
    """Lower-case the first word when it is capitalised only for starting a sentence.

    "Scam appeals ..." becomes "scam appeals ...", while "QA", "iOS" and "I" stay as typed.
    """
    match = _FIRST_WORD.match(text)
    if match is None:
        return text
    word = match.group(1)
    if len(word) > 1 and word[0].isupper() and word[1:] == word[1:].lower():
        return word.lower() + match.group(2)
    return text


def capitalise(text: str) -> str:
    """A capital at the start of a sentence, unless the first word has one elsewhere ("iOS")."""
    word = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if word == word.lower() else text


def _base_verb(word: str) -> str | None:
    """The verb a word stands for as an imperative ("Add") or a gerund ("Adding"), or None."""
    word = word.lower()
    if word in _VERBS:
        return word
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        for guess in (stem, stem + "e", stem[:-1]):
            if guess in _VERBS:
                return guess
    return None


def capitalised_verb(text: str) -> str | None:
    """The first word when it is a capitalised imperative ("Add ..."), which reads
    "I want Add ..." in the story sentence; None otherwise."""
    match = _FIRST_WORD.match(text.strip())
    if match is None or not match.group(1)[0].isupper():
        return None
    return match.group(1) if _base_verb(match.group(1)) is not None else None


def want_phrase(text: str) -> str:
    """What follows "I want": "Add a batch action for QA." becomes "to add a batch action for
    QA"; a noun phrase ("scam appeals routed to ...") stays one."""
    phrase = clause(text)
    match = _FIRST_WORD.match(phrase)
    if match is None:
        return phrase
    first, rest = match.groups()
    if first.lower() == "to":
        return "to" + rest
    if (verb := _base_verb(first)) is not None:
        return f"to {verb}{rest}"
    return lower_first(phrase)


def benefit_phrase(text: str) -> str:
    """What follows "so that": no closing mark, and no capital in the middle of the sentence."""
    return lower_first(clause(text))


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of free text as a clause, cut at a word before `limit` characters."""
    line = tidy(text)
    end = re.search(r"[.!?](\s|$)", line)
    sentence = clause(line[: end.start()] if end else line)
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def doubled_punctuation(text: str) -> str | None:
    """The first doubled mark or space before a mark ("., ", "..", " ,"), or None."""
    for line in text.splitlines():
        if match := _DOUBLED.search(line):
            return match.group()
        if match := _SPACE_BEFORE.search(line):
            return " " + match.group().strip()
    return None


# A measurable outcome names a number or something that is counted or timed.
_MEASURABLE = re.compile(
    r"\d|%|\b(percent|per cent|minutes?|mins?|hours?|days?|weeks?|months?|seconds?"
    r"|faster|sooner|quicker|slower|fewer|less|lower|higher|more|half|twice|double|none|zero"
    r"|reduce[sd]?|reduction|drops?|dropped|cuts?|saves?|saved|saving|increases?|decreases?"
    r"|(handle|response|resolution|reply|wait|waiting|turnaround|processing) time"
    r"|aht|sla|csat|nps|backlog|volume|rate|share|cost|touches|escalations)\b",
    re.IGNORECASE,
)


def is_measurable(text: str) -> bool:
    return _MEASURABLE.search(text) is not None
