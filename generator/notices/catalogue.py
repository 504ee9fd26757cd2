"""What the law asks of each notice form, letter and clock, as data.

Every element names the provision it comes from and carries the verification
mark of the project's domain brief (``records-and-notices.md`` §A.6, §B.4,
§B.5, §C). Nothing here is a deadline the law does not give: where the law
gives no number the clock keeps the law's words and ``hours`` is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

DSA = ("Regulation (EU) 2022/2065 (Digital Services Act)", "https://eur-lex.europa.eu/eli/reg/2022/2065/oj")
TIDA = ("TAKE IT DOWN Act (Pub. L. 119-12), Section 3", "https://www.congress.gov/119/plaws/publ12/PLAW-119publ12.htm")
OSA = ("Online Safety Act 2023", "https://www.legislation.gov.uk/ukpga/2023/50/section/20A")


@dataclass(frozen=True)
class FormField:
    """One field of a report form, and the legal element it carries (``""`` when the law does not ask for it)."""

    name: str
    label: str
    kind: str  # text | textarea | email | checkbox | radio | select
    required: bool
    element: str = ""
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    #: Required only when this other field is *not* set (DSA Art 16(2)(c): optional for CSA notices).
    required_unless: str = ""


@dataclass(frozen=True)
class Form:
    """A report form: one standalone HTML page and its JSON Schema."""

    id: str
    jurisdiction: str  # eu | us | uk | global
    title: str
    basis: str  # the provision, in words
    source: tuple[str, str]
    verified: str
    intro: str
    fields: tuple[FormField, ...]
    note: str = ""


@dataclass(frozen=True)
class Element:
    """A part of a letter the law requires (or the kit adds), with its text; ``[FIELD]`` marks what staff fill in."""

    key: str
    name: str
    text: str
    provision: str = ""  # empty: not a legal element, the kit's own


@dataclass(frozen=True)
class Letter:
    """A letter or template sent to a notifier or user."""

    id: str
    jurisdiction: str
    title: str
    basis: str
    verified: str
    to: str
    elements: tuple[Element, ...]
    #: When it is sent, and when it waits (consistent with the SOP's user-notice hold).
    when: str = ""


@dataclass(frozen=True)
class Clock:
    """A machine-readable timer for a notice, tied to the SOP's routing categories."""

    id: str
    jurisdiction: str
    notice: str  # the form id, or "any" for the general report
    step: str
    starts: str
    legal_deadline: str  # the law's words
    hours: int | None  # only where the law gives a number
    categories: tuple[str, ...]
    citation: str
    url: str
    verified: str


@dataclass(frozen=True)
class Promise:
    """A ToS promise about notices, the letter that keeps it and the SOP step that does it."""

    tos_clause: str
    promise: str
    letters: tuple[str, ...]
    sop_clause: str


CHILD_SAFETY = ("imminent-danger", "csam", "enticement", "sextortion", "trafficking")

GOOD_FAITH_DSA = (
    "I believe in good faith that the information and allegations in this notice are accurate and complete."
)

FORMS: tuple[Form, ...] = (
    Form(
        id="dsa-notice",
        jurisdiction="eu",
        title="Report illegal content (EU Digital Services Act notice)",
        basis="DSA Art 16(1)-(2)",
        source=DSA,
        verified="V",
        intro=(
            "Anyone can use this form, with or without an account. Tell us why you believe the content is illegal "
            "and exactly where it is. If your notice is about child sexual abuse, you may leave your name and email "
            "out; without an email address we cannot confirm receipt or tell you our decision."
        ),
        fields=(
            FormField(
                "explanation",
                "Why is this content illegal?",
                "textarea",
                True,
                "Art 16(2)(a): a substantiated explanation of why the content is illegal",
            ),
            FormField(
                "urls",
                "Exact location: the link (URL) of each item, one per line",
                "textarea",
                True,
                "Art 16(2)(b): the exact electronic location, such as the URL(s)",
                hint="Add anything else we need to find it, such as a username or the time of a message.",
            ),
            FormField(
                "child_sexual_abuse",
                "This notice is about child sexual abuse or exploitation, or the grooming of a child",
                "checkbox",
                False,
                "Art 16(2)(c): name and email may be left out for offences under Arts 3-7 of Directive 2011/93/EU",
            ),
            FormField(
                "name",
                "Your name",
                "text",
                False,
                "Art 16(2)(c): the notifier's name",
                hint="Required unless your notice is about child sexual abuse.",
                required_unless="child_sexual_abuse",
            ),
            FormField(
                "email",
                "Your email address",
                "email",
                False,
                "Art 16(2)(c): the notifier's email address",
                hint="Required unless your notice is about child sexual abuse. We use it to confirm receipt and "
                "tell you our decision.",
                required_unless="child_sexual_abuse",
            ),
            FormField(
                "good_faith",
                GOOD_FAITH_DSA,
                "checkbox",
                True,
                "Art 16(2)(d): a statement of bona fide belief that the notice is accurate and complete",
            ),
        ),
        note=(
            "A browser cannot require name and email only when the box is not ticked without JavaScript, so the page "
            "leaves them optional and says when they are needed; the JSON Schema enforces the rule."
        ),
    ),
    Form(
        id="take-it-down",
        jurisdiction="us",
        title="Request removal of an intimate image shared without consent (TAKE IT DOWN Act)",
        basis="TAKE IT DOWN Act Sec. 3(a)(1)(B)",
        source=TIDA,
        verified="V2",
        intro=(
            "Use this form if an intimate image or video of you was published here without your consent, or if you "
            "are authorised to act for the person shown. You do not need an account. If the person shown is under "
            "18, tell us: we then also handle it as child sexual abuse material under our child-safety rules."
        ),
        fields=(
            FormField(
                "requester",
                "Who is making this request?",
                "radio",
                True,
                "Sec. 3(a)(1)(A): the identifiable individual, or an authorised person acting for them",
                choices=(("individual", "I am the person shown"), ("authorised", "I am authorised to act for them")),
            ),
            FormField(
                "depiction",
                "Identify the image or video and where it is (links, usernames, dates)",
                "textarea",
                True,
                "Sec. 3(a)(1)(B)(ii): identification of, and information reasonably sufficient to locate, "
                "the depiction",
            ),
            FormField(
                "good_faith",
                "I believe in good faith that this intimate image or video was published without the consent of the "
                "person shown.",
                "checkbox",
                True,
                "Sec. 3(a)(1)(B)(iii): a brief statement of good-faith belief that the depiction is not consensual",
            ),
            FormField(
                "consent_details",
                "Anything that helps us see it was published without consent (optional)",
                "textarea",
                False,
                "Sec. 3(a)(1)(B)(iii): any relevant information to determine that it was published without consent",
            ),
            FormField(
                "email",
                "Your email address, so we can contact you",
                "email",
                True,
                "Sec. 3(a)(1)(B)(iv): contact information for the individual or authorised person",
            ),
            FormField(
                "signature",
                "Your signature: type your full name",
                "text",
                True,
                "Sec. 3(a)(1)(B)(i): a physical or electronic signature",
            ),
        ),
        note="The law asks for no statement under penalty of perjury, so the form does not ask for one.",
    ),
    Form(
        id="uk-intimate-image",
        jurisdiction="uk",
        title="Report an intimate image (UK Online Safety Act)",
        basis="Online Safety Act 2023 s.20A(2)",
        source=OSA,
        verified="V2",
        intro=(
            "Use this form if an intimate image of you is on our service, or if you are acting for the person shown. "
            "You do not need an account."
        ),
        fields=(
            FormField(
                "intimate_image",
                "I declare that this content is intimate image content.",
                "checkbox",
                True,
                "s.20A(2)(a): a declaration that the content is intimate image content",
            ),
            FormField(
                "reporter",
                "Who is making this report?",
                "radio",
                True,
                "s.20A(2)(b): a declaration that it is made by the subject or a person acting for them",
                choices=(("subject", "I am the person shown"), ("acting", "I am acting for the person shown")),
            ),
            FormField(
                "good_faith",
                "I declare that I make this report in good faith and that it is true.",
                "checkbox",
                True,
                "s.20A(2)(c): a declaration that it is made in good faith and is true",
            ),
            FormField(
                "content",
                "Identify the content: links, usernames, dates",
                "textarea",
                True,
                "s.20A(2)(d): enough information to identify the content",
            ),
            FormField(
                "email",
                "Your email address",
                "email",
                True,
                "s.20A(2)(e): the reporter's contact details",
            ),
        ),
        note=(
            "s.20A(2)(f) adds any requirements set in regulations; whether any have been made is not verified "
            "(a question for counsel)."
        ),
    ),
    Form(
        id="child-safety-report",
        jurisdiction="global",
        title="Report a child-safety concern",
        basis="The SOP's intake of user reports",
        source=("", ""),
        verified="",
        intro=(
            "Tell us about anything on our service that puts a child at risk. If a child is in danger right now, "
            "call your local emergency number first."
        ),
        fields=(
            FormField(
                "category",
                "What is it about?",
                "select",
                True,
                choices=(
                    ("imminent-danger", "A child is in danger now or very soon"),
                    ("csam", "Sexual images or videos of a child"),
                    ("enticement", "Grooming, or an adult pressuring a child"),
                    ("sextortion", "Threats to share sexual images of a child (sextortion)"),
                    ("trafficking", "Selling or trafficking a child for sex"),
                    ("underage-user", "A user who seems to be under our minimum age"),
                    ("other-breach", "Something else that breaks our child-safety rules"),
                ),
            ),
            FormField("location", "Where is it? Links, usernames or where you saw it", "textarea", True),
            FormField("details", "What happened? (optional)", "textarea", False),
            FormField(
                "email",
                "Your email address (optional, so we can tell you what we did)",
                "email",
                False,
            ),
        ),
    ),
)

REDRESS_EU = (
    "You can ask us to look at this decision again at [APPEAL ROUTE] within [APPEAL PERIOD]. [WHERE IT IS OPEN TO "
    "YOU: you can also take the dispute to an out-of-court dispute settlement body, NAMED HERE.] You can also go "
    "to court."
)

LETTERS: tuple[Letter, ...] = (
    Letter(
        id="dsa-receipt",
        jurisdiction="eu",
        title="Confirmation of receipt of a notice",
        basis="DSA Art 16(4)",
        verified="V2",
        to="The notifier, where the notice gave electronic contact details",
        when="Without undue delay after the notice arrives.",
        elements=(
            Element(
                "receipt",
                "confirmation of receipt",
                "We have received your notice [NOTICE ID] of [RECEIVED AT, with time zone] about [URL(S)].",
                "Art 16(4)",
            ),
            Element(
                "next",
                "what happens next",
                "We will review it and tell you our decision. You do not need to do anything else.",
            ),
        ),
    ),
    Letter(
        id="dsa-decision",
        jurisdiction="eu",
        title="Decision on a notice",
        basis="DSA Art 16(5)-(6)",
        verified="V2",
        to="The notifier, where the notice gave electronic contact details",
        when="Without undue delay after the decision.",
        elements=(
            Element(
                "decision",
                "the decision",
                "About your notice [NOTICE ID]: we decided [DECISION: removed / disabled access / restricted / "
                "no action], because [REASON].",
                "Art 16(5)",
            ),
            Element(
                "automated",
                "use of automated means",
                "Automated means [WERE / WERE NOT] used to process your notice or to decide on it: [HOW].",
                "Art 16(6)",
            ),
            Element("redress", "possibilities for redress", REDRESS_EU, "Art 16(5)"),
        ),
    ),
    Letter(
        id="statement-of-reasons",
        jurisdiction="eu",
        title="Statement of reasons",
        basis="DSA Art 17(1)-(4)",
        verified="V",
        to="The user whose content or account we restricted, where we know their electronic contact details",
        when=(
            "At the latest when the restriction is imposed (Art 17(2)). On a route where telling the user could "
            "prejudice an investigation or warn a suspect (every S1 and S2 route), do not send it until the Safety "
            "Lead has decided, with counsel, whether it is deferred or withheld, and has recorded why. Article 17 "
            "itself has no exception for this; whether and how long it may wait is an open question for counsel."
        ),
        elements=(
            Element(
                "measure",
                "the decision and its territorial scope and duration",
                "We have [MEASURE: removed / disabled access to / demoted / restricted payments for / suspended / "
                "terminated] [CONTENT OR ACCOUNT]. It applies in [TERRITORIAL SCOPE] for [DURATION].",
                "Art 17(3)(a)",
            ),
            Element(
                "facts",
                "the facts and circumstances relied on",
                "We acted on [DATE] because [FACTS AND CIRCUMSTANCES]. We acted on [a notice under Article 16 of the "
                "Digital Services Act / our own initiative].",
                "Art 17(3)(b)",
            ),
            Element(
                "automated",
                "use of automated means",
                "Automated means [WERE / WERE NOT] used to take this decision, and the content [WAS / WAS NOT] "
                "detected or identified by automated means: [HOW].",
                "Art 17(3)(c)",
            ),
            Element(
                "legal_ground",
                "the legal ground, for illegal content",
                "If the content is illegal: the law it breaks is [LEGAL GROUND], and it is illegal under that law "
                "because [EXPLANATION].",
                "Art 17(3)(d)",
            ),
            Element(
                "contractual_ground",
                "the contractual ground, for content incompatible with our terms",
                "If the content breaks our terms: the term it breaks is [TERMS SECTION], and it breaks it because "
                "[EXPLANATION].",
                "Art 17(3)(e)",
            ),
            Element("redress", "possibilities for redress", REDRESS_EU, "Art 17(3)(f)"),
        ),
    ),
    Letter(
        id="tida-confirmation",
        jurisdiction="us",
        title="Removal confirmation (TAKE IT DOWN Act)",
        basis="TAKE IT DOWN Act Sec. 3(a)(3)",
        verified="V2",
        to="The person who made the removal request, at the contact information they gave",
        when="When the depiction is removed: as soon as possible and no later than 48 hours after the request.",
        elements=(
            Element(
                "reference",
                "request reference",
                "Your request [CONFIRMATION NUMBER], received [RECEIVED AT, with time zone].",
            ),
            Element(
                "removal",
                "removal of the depiction",
                "We removed the image or video you identified on [REMOVED AT, with time zone].",
                "Sec. 3(a)(3)(A)",
            ),
            Element(
                "copies",
                "known identical copies",
                "We searched for known identical copies on our service by [METHOD] and removed [NUMBER] of them.",
                "Sec. 3(a)(3)(B)",
            ),
            Element(
                "contact",
                "how to reach us",
                "If you see it again, reply to this message with the link and your request number.",
            ),
        ),
    ),
    Letter(
        id="appeal-outcome",
        jurisdiction="global",
        title="Appeal outcome",
        basis="Our terms' appeal promise",
        verified="",
        to="The person who appealed",
        when="When the appeal is decided.",
        elements=(
            Element("appeal", "the appeal decided", "About your appeal [APPEAL ID] against [DECISION] of [DATE]:"),
            Element(
                "outcome",
                "the outcome and why",
                "we have [UPHELD / REVERSED / CHANGED] the decision, because [REASON, in plain language].",
            ),
            Element(
                "next",
                "what happens next",
                "[IF REVERSED: what we restore. IF UPHELD: what other redress you have, such as going to court.]",
            ),
        ),
    ),
)

CLOCKS: tuple[Clock, ...] = (
    Clock(
        "dsa-receipt",
        "eu",
        "dsa-notice",
        "Confirm receipt of the notice to the notifier",
        "the notice is received, where it gives electronic contact details",
        "without undue delay",
        None,
        CHILD_SAFETY,
        "DSA Art 16(4)",
        DSA[1],
        "V2",
    ),
    Clock(
        "dsa-decision",
        "eu",
        "dsa-notice",
        "Decide on the notice, in a timely, diligent, non-arbitrary and objective manner, and tell the notifier",
        "the notice is received",
        "timely (decision); without undue delay (telling the notifier)",
        None,
        CHILD_SAFETY,
        "DSA Art 16(5)-(6)",
        DSA[1],
        "V2",
    ),
    Clock(
        "dsa-statement-of-reasons",
        "eu",
        "any",
        "Send the statement of reasons to the affected user (after the Safety Lead's hold check on S1 and S2 routes)",
        "the restriction is imposed",
        "at the latest from the date the restriction is imposed",
        None,
        (*CHILD_SAFETY, "authority-notice", "underage-user", "other-breach"),
        "DSA Art 17(2)",
        DSA[1],
        "V2",
    ),
    Clock(
        "tida-removal",
        "us",
        "take-it-down",
        "Remove the depiction and make reasonable efforts to remove known identical copies",
        "a valid removal request is received",
        "as soon as possible, but not later than 48 hours after receiving the request",
        48,
        ("csam", "sextortion"),
        "TAKE IT DOWN Act Sec. 3(a)(3)",
        TIDA[1],
        "V2",
    ),
    Clock(
        "uk-ncii-takedown",
        "uk",
        "uk-intimate-image",
        "Take down the reported content and content that is the same or substantially the same",
        "the intimate image content report is received",
        "as soon as reasonably practicable and no later than 48 hours after the report is received",
        48,
        ("csam", "sextortion"),
        "Online Safety Act 2023 s.10(3A)",
        "https://www.legislation.gov.uk/ukpga/2023/50/section/10",
        "V2",
    ),
)

PROMISES: tuple[Promise, ...] = (
    Promise(
        "tos.reporting.anonymous-notices",
        "we confirm receipt of a notice and tell the notifier our decision",
        ("dsa-receipt", "dsa-decision"),
        "sop.intake.eu-dsa-notices",
    ),
    Promise(
        "tos.appeals.statement-of-reasons",
        "we give a statement of reasons",
        ("statement-of-reasons",),
        "sop.appeals.eu-statement-of-reasons",
    ),
    Promise(
        "tos.reporting.ncii-takedown-us",
        "we remove a validly requested intimate depiction within 48 hours",
        ("tida-confirmation",),
        "sop.removal.ncii-take-it-down-act",
    ),
    Promise("tos.appeals.appeal", "you can appeal", ("appeal-outcome",), "sop.appeals.internal-appeals"),
)

#: The legal elements each letter must hold (the check in ``checks.consistency`` reads this).
REQUIRED_ELEMENTS: dict[str, tuple[str, ...]] = {
    letter.id: tuple(e.provision for e in letter.elements if e.provision) for letter in LETTERS
}
