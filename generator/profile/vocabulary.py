"""The stable identifiers everything keys on: services, jurisdictions, features.

Identifiers never change once published; labels and descriptions may.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A vocabulary entry: a stable id, a display label and a description."""

    id: str
    label: str
    description: str


SERVICES: dict[str, Term] = {
    t.id: t
    for t in [
        Term("photo-sharing", "Photo sharing", "Users upload and share images."),
        Term("video-sharing", "Video sharing", "Users upload and share recorded video."),
        Term("livestreaming", "Livestreaming", "Users broadcast live video or audio."),
        Term("social-network", "Social network", "Profiles, connections, feeds and posts."),
        Term("messaging", "Messaging", "Private one-to-one or group messages."),
        Term("forum", "Forum / community", "Public discussion boards and community spaces."),
        Term("cloud-storage", "Cloud storage", "Users store files and share them by link."),
        Term("web-hosting", "Web hosting", "Hosting of websites or content for customers."),
        Term("search-engine", "Search engine", "Search over web or user content."),
        Term("gaming", "Online gaming", "Games with chat, voice or player contact."),
        Term("marketplace", "Marketplace / classifieds", "Users list and sell goods or services."),
        Term("dating", "Dating", "Adults meet potential partners."),
        Term("generative-ai", "Generative AI", "Users generate images, video, audio or text with AI."),
    ]
}

JURISDICTIONS: dict[str, Term] = {
    t.id: t
    for t in [
        Term("us", "United States", "US federal law (18 U.S.C. 2258A, TAKE IT DOWN Act, COPPA)."),
        Term("eu", "European Union", "Digital Services Act, GDPR and EU criminal-law directives."),
        Term("uk", "United Kingdom", "Online Safety Act 2023 and Ofcom codes; NCA reporting."),
        Term("au", "Australia", "Online Safety Act 2021, BOSE, industry codes and standards."),
        Term("ca", "Canada", "Mandatory reporting Act (S.C. 2011, c. 4); Criminal Code."),
    ]
}

#: The baseline that applies to every profile; not listed in profiles.
GLOBAL = "global"

DOC_KINDS: dict[str, Term] = {
    t.id: t
    for t in [
        Term("tos", "Terms of Service", "The child-safety part of the terms users agree to."),
        Term("sop", "Escalation SOP", "The internal procedure staff follow."),
        Term("tips", "Safety tips", "What the service tells parents, children, teens and all users."),
    ]
}

FORMATS: dict[str, str] = {
    "md": "Markdown",
    "html": "standalone HTML page",
    "docx": "Word document",
    "pdf": "PDF, converted from the Word document by LibreOffice (which must be installed)",
}

#: Formats written when none are asked for (PDF needs LibreOffice, so it is opt-in).
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html", "docx")

GUIDE_AREAS: dict[str, Term] = {
    t.id: t
    for t in [
        Term("universal-tools", "Universal tools", "Tools and resources every service can use."),
        Term("legal", "Legal considerations", "Duties the law imposes."),
        Term("practices-by-service", "Practices by service", "Practices for a type of service."),
    ]
}

#: Who a safety-tip clause speaks to.
AUDIENCES: dict[str, Term] = {
    t.id: t
    for t in [
        Term("parents", "Parents and carers", "Adults looking after a child who uses the service."),
        Term("children", "Children", "Users aged 8 to 12, on services whose minimum age is under 13."),
        Term("teens", "Teens", "Users aged 13 to 17."),
        Term("everyone", "Everyone", "All users."),
    ]
}

FEATURES: dict[str, str] = {
    "user_uploads": "Users can upload images, video or files.",
    "public_content": "What users post can be seen by people they do not know.",
    "direct_messages": "Users can send each other private messages.",
    "e2ee": "Private messages are end-to-end encrypted (needs direct_messages).",
    "livestream": "Users can broadcast live.",
    "voice_video_chat": "Users can talk by live voice or video.",
    "ai_generation": "Users can generate images, video or text with AI.",
    "location_sharing": "Users can share their location.",
    "payments": "Users can pay each other or the service (gifts, purchases).",
    "external_links": "Users can post links to other sites.",
    "anonymous_accounts": "Users can take part without a real-name or verified account.",
    "volunteer_moderators": "Community members moderate spaces.",
    "groups": "Users can create or join group chats, groups or channels shared by several people.",
}

#: Features a service type always has. They default to true for that service,
#: and setting one to false contradicts the service (an error).
SERVICE_IMPLIES: dict[str, tuple[str, ...]] = {
    "photo-sharing": ("user_uploads",),
    "video-sharing": ("user_uploads",),
    "livestreaming": ("livestream",),
    "social-network": ("public_content",),
    "messaging": ("direct_messages",),
    "forum": ("public_content",),
    "cloud-storage": ("user_uploads",),
    "web-hosting": ("user_uploads", "public_content"),
    "search-engine": ("external_links",),
    "gaming": (),
    "marketplace": ("public_content",),
    "dating": ("direct_messages",),
    "generative-ai": ("ai_generation",),
}

#: Features that default to true for a service type but may be switched off.
SERVICE_SUGGESTS: dict[str, tuple[str, ...]] = {
    "photo-sharing": ("public_content",),
    "video-sharing": ("public_content",),
    "livestreaming": ("public_content",),
    "social-network": ("user_uploads", "direct_messages", "external_links", "groups"),
    "forum": ("external_links",),
    "cloud-storage": (),
    "gaming": ("direct_messages",),
    "messaging": ("groups",),
    "marketplace": ("user_uploads",),
    "dating": ("user_uploads",),
}

AGE_ASSURANCE: dict[str, str] = {
    "none": "No age check at all.",
    "self-declaration": "Users state their age or date of birth.",
    "estimation": "Age is estimated (e.g. facial age estimation).",
    "verification": "Age is verified (e.g. ID document or trusted digital ID).",
}

HASH_TOOLS: dict[str, str] = {
    "photodna": "Microsoft PhotoDNA (images; video frames).",
    "pdq": "Meta PDQ perceptual image hash (open source).",
    "safer": "Thorn Safer (hash matching and classifiers).",
    "csai-match": "YouTube CSAI Match (video).",
    "none": "No hash matching.",
}

#: Display names of detection tools, for the `label` filter.
TOOL_LABELS: dict[str, str] = {
    "photodna": "PhotoDNA",
    "pdq": "PDQ",
    "safer": "Safer",
    "csai-match": "CSAI Match",
    "iwf": "the IWF URL List",
}

URL_LISTS: dict[str, str] = {
    "iwf": "Internet Watch Foundation URL List.",
    "none": "No URL list.",
}

TEAM_SIZES: dict[str, str] = {
    "solo": "One person runs trust and safety (often the founder).",
    "small": "A few people share trust and safety alongside other work.",
    "dedicated": "A dedicated trust-and-safety team with on-call cover.",
}

#: Routing categories of the machine-readable SOP (sop.json), in routing order.
#: Taken from the severity levels the SOP defines (sop.triage.severity-levels);
#: clauses map each to a severity (``routing.categories``) and scope their
#: report, notify and preserve duties to them (``obligations[].categories``).
CATEGORIES: dict[str, str] = {
    "imminent-danger": "A child is in danger now or very soon",
    "csam": "Apparent child sexual abuse material (CSAM)",
    "enticement": "Grooming, coercion or enticement of a minor",
    "sextortion": "Sextortion of a child",
    "trafficking": "Child sex trafficking",
    "authority-notice": "A notice or order about content from a hotline, police or regulator",
    "legal-request": "A request from police or a court to preserve or hand over data",
    "underage-user": "A user appears to be under the minimum age",
    "other-breach": "Other breaches of the child-safety rules",
}

#: Severity levels of the SOP's triage, highest first.
SEVERITIES: tuple[str, ...] = ("S1", "S2", "S3", "S4")


def human_list(items: list[str], conj: str = "and") -> str:
    """Join items as 'a, b and c'."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


@dataclass(frozen=True)
class Safeguard:
    """A product behaviour a document may promise only when the profile states it.

    Attributes:
        id: Stable id, the key under ``safeguards:`` in a profile.
        description: What ``true`` means, for ``list fields`` and the README.
        question: The yes/no question ``init`` asks, in plain words.
        relevant: A clause condition (see ``library.conditions``): the
            profiles for which the safeguard means something. Elsewhere it is
            neither asked nor listed as a gap.
        why_irrelevant: Why it does not apply when ``relevant`` fails.
    """

    id: str
    description: str
    question: str
    relevant: dict | None
    why_irrelevant: str = ""


#: What the product does today. A safeguard the profile leaves out is unknown,
#: and an unknown safeguard is never promised. Chosen from the product claims
#: the clause library actually makes (each has a claim-phrase list in
#: ``checks/claims.py``).
SAFEGUARDS: dict[str, Safeguard] = {
    s.id: s
    for s in [
        Safeguard(
            "report_button",
            "In-app reporting: a Report option on content, profiles and messages.",
            "Can users report a post, a profile or a message from inside the app (a Report option)?",
            None,
        ),
        Safeguard(
            "report_includes_context",
            "Reporting a message sends the recent messages around it to moderators.",
            "When someone reports a message, do moderators receive the recent messages around it?",
            {"direct_messages": True},
            "the service has no private messages",
        ),
        Safeguard(
            "block_users",
            "Users can block other users, so a blocked user cannot contact them.",
            "Can users block another user so that they cannot contact them?",
            {"any": [{"direct_messages": True}, {"public_content": True}, {"voice_video_chat": True}]},
            "users cannot contact each other",
        ),
        Safeguard(
            "private_by_default_minors",
            "Accounts of users under 18 start private: only approved connections see their posts, profile "
            "details and connection lists.",
            "Do accounts of users under 18 start private (only people they approve see their posts)?",
            {"minors": True, "public_content": True},
            "no minors, or nothing users post is public",
        ),
        Safeguard(
            "minors_not_discoverable",
            "Users under 18 are not suggested to, or searchable by, adults they are not connected with.",
            "Are users under 18 kept out of suggestions and search for adults they are not connected with?",
            {"minors": True},
            "minors do not use the service",
        ),
        Safeguard(
            "restrict_adult_minor_dms",
            "Adults cannot send private messages to users under 18 they are not connected with.",
            "Does the product stop adults from privately messaging a user under 18 they are not connected with?",
            {"minors": True, "direct_messages": True},
            "no minors, or no private messages",
        ),
        Safeguard(
            "restrict_adult_minor_calls",
            "Adults cannot call, or invite to a private voice or video chat, users under 18 they are not "
            "connected with.",
            "Does the product stop adults from calling a user under 18 they are not connected with?",
            {"minors": True, "voice_video_chat": True},
            "no minors, or no voice or video chat",
        ),
        Safeguard(
            "minors_location_off",
            "Location sharing is off by default for users under 18, and only people they choose see it.",
            "Is location sharing off by default for users under 18?",
            {"minors": True, "location_sharing": True},
            "no minors, or no location sharing",
        ),
        Safeguard(
            "minor_livestream_limits",
            "On a broadcast by a user under 18, only contacts they accepted can comment or join, and no one "
            "can send them gifts or payments.",
            "On a live broadcast by a user under 18, can only their accepted contacts comment or join, "
            "with no gifts or payments?",
            {"minors_may_use": ["livestream"]},
            "users under 18 cannot broadcast live",
        ),
        Safeguard(
            "parental_tools",
            "Supervision tools let a parent or carer see and limit how their child uses the service.",
            "Does the product offer supervision tools for parents (a parent can link to and limit a child's account)?",
            {"minors": True},
            "minors do not use the service",
        ),
        Safeguard(
            "sensitive_content_filter_minors",
            "A sensitive-content filter is on for users under 18 and hides sexual or violent content.",
            "Is a filter for sexual or violent content switched on for users under 18?",
            {"minors": True, "any": [{"public_content": True}, {"user_uploads": True}]},
            "no minors, or no user content to filter",
        ),
        Safeguard(
            "nudity_warnings",
            "Images that may show nudity are blurred with a warning before they are opened or sent.",
            "Are images that may show nudity blurred, with a warning, before they are opened or sent?",
            {"any": [{"direct_messages": True}, {"user_uploads": True}]},
            "users cannot send or upload images",
        ),
        Safeguard(
            "in_product_appeals",
            "Users can appeal a decision from inside the app (an Appeal option on the decision notice).",
            "Can users appeal a moderation decision from inside the app (an Appeal option)?",
            None,
        ),
        Safeguard(
            "ai_teen_mode",
            "Users under 18 get a teen mode in the AI tools: sexual content and romantic or sexual role-play "
            "with AI characters are blocked for them.",
            "Do users under 18 get a teen mode in the AI tools that blocks sexual content and romantic role-play?",
            {"minors_may_use": ["ai_generation"]},
            "no minors may use the AI tools",
        ),
    ]
}

#: Answers to a determination.
DETERMINATION_ANSWERS: tuple[str, ...] = ("yes", "no", "undecided")


@dataclass(frozen=True)
class Determination:
    """A legal conclusion only the provider and its counsel can reach.

    Attributes:
        id: Stable id, the key under ``determinations:``.
        jurisdiction: The jurisdiction whose law asks the question.
        description: One sentence on what ``yes`` means (``list fields``, ``init``).
        question: The question for counsel when it is ``undecided``.
    """

    id: str
    jurisdiction: str
    description: str
    question: str


DETERMINATIONS: dict[str, Determination] = {
    d.id: d
    for d in [
        Determination(
            "eu_micro_or_small",
            "eu",
            "Yes means the company is a micro or small enterprise (fewer than 50 staff and at most EUR 10m "
            "turnover or balance sheet, counting linked companies), so DSA Articles 20 to 28, including the "
            "Article 28 duty on minors, do not apply (DSA Art 19).",
            "EU: is the company a micro or small enterprise under Recommendation 2003/361/EC, counting linked "
            "and partner enterprises, so that DSA Art 19 exempts it from Arts 20 to 28 (including the Art 28 "
            "duty to protect minors)? Record the basis (headcount, turnover, balance sheet, date assessed).",
        ),
        Determination(
            "uk_likely_accessed_by_children",
            "uk",
            "Yes is the outcome of the UK children's access assessment (Online Safety Act ss.35-37): the "
            "service is likely to be accessed by children, so the children's safety duties apply.",
            "UK: what is the outcome of the children's access assessment (Online Safety Act ss.35-37)? "
            "Concluding 'not likely to be accessed by children' needs a written record of the evidence; a "
            "service that does not carry out the assessment is treated as likely to be accessed by children.",
        ),
        Determination(
            "uk_monthly_users_over_700k",
            "uk",
            "Yes means the service has more than 700,000 monthly active UK users, a threshold used with risk "
            "levels in Ofcom's codes (for example CSAM hash matching, ICU C9).",
            "UK: does the service have more than 700,000 monthly active UK users (the threshold Ofcom's "
            "Illegal Content Codes use, with the risk level, for measures such as ICU C9 and C10)?",
        ),
        Determination(
            "au_age_restricted_platform",
            "au",
            "Yes means the service is an age-restricted social media platform, so Australians under 16 may "
            "not have accounts (Online Safety Act 2021 s.63C and s.63D).",
            "Australia: is the service an age-restricted social media platform (Online Safety Act 2021 s.63C "
            "and the Online Safety (Age-Restricted Social Media Platforms) Rules 2025), so that it must take "
            "reasonable steps to stop Australians under 16 from having accounts (s.63D)? eSafety expects every "
            "service to self-assess.",
        ),
        Determination(
            "us_provider_duty_applies",
            "us",
            "Yes means the company is a 'provider' under 18 U.S.C. 2258E(6) that must report apparent CSAM, "
            "child sex trafficking and enticement to NCMEC (18 U.S.C. 2258A).",
            "US: is the company a 'provider' (an electronic communication service or remote computing "
            "service, 18 U.S.C. 2258E(6)) bound by the 18 U.S.C. 2258A duty to report to NCMEC? The statute "
            "has no explicit territorial limit; for a company established outside the US, confirm whether "
            "the documents should present NCMEC reporting as mandatory or as voluntary.",
        ),
    ]
}

#: Services that the Social Media Minimum Age rules exclude outright (Online
#: Safety (Age-Restricted Social Media Platforms) Rules 2025 s.5: messaging and
#: calling; online games). A profile offering only these defaults
#: ``au_age_restricted_platform`` to "no"; any other service leaves it
#: "undecided" (facts: records-and-notices.md D.1).
AU_SMMA_EXCLUDED_SERVICES: frozenset[str] = frozenset({"messaging", "gaming"})

#: Common names for countries that ISO 3166-1 spells differently (lower case -> alpha-2).
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "gb",
    "united kingdom": "gb",
    "great britain": "gb",
    "britain": "gb",
    "england": "gb",
    "scotland": "gb",
    "wales": "gb",
    "northern ireland": "gb",
    "usa": "us",
    "u.s.": "us",
    "u.s.a.": "us",
    "america": "us",
    "united states": "us",
    "united states of america": "us",
    "south korea": "kr",
    "north korea": "kp",
    "russia": "ru",
    "czech republic": "cz",
    "holland": "nl",
}

#: EU member states (ISO 3166-1 alpha-2, lower case).
EU_MEMBER_STATES: frozenset[str] = frozenset(
    {"at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie"}
    | {"it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se"}
)

#: Common names for jurisdiction ids, for ``init`` answers and flags (lower case).
JURISDICTION_ALIASES: dict[str, str] = {
    "us": "us",
    "usa": "us",
    "u.s.": "us",
    "america": "us",
    "united states": "us",
    "united states of america": "us",
    "uk": "uk",
    "gb": "uk",
    "britain": "uk",
    "great britain": "uk",
    "united kingdom": "uk",
    "england": "uk",
    "scotland": "uk",
    "wales": "uk",
    "northern ireland": "uk",
    "eu": "eu",
    "europe": "eu",
    "european union": "eu",
    "au": "au",
    "australia": "au",
    "ca": "ca",
    "canada": "ca",
}


@dataclass(frozen=True)
class ProviderContact:
    """A contact detail only the provider can fill in, the key under ``contacts:``.

    Attributes:
        id: Stable id, the key under ``contacts:`` (``contacts.<id>``).
        description: What to write there (``list fields``, README, ``init``).
        question: The ``init`` question.
        needed_for: What it is needed for, shown after the TO COMPLETE marker.
    """

    id: str
    description: str
    question: str
    needed_for: str


#: Contact details the documents need but only the provider knows. Empty ones show as
#: "TO COMPLETE: contacts.<id>" in the documents, and `generate` lists them.
PROVIDER_CONTACTS: dict[str, ProviderContact] = {
    c.id: c
    for c in [
        ProviderContact(
            "ncmec_esp_id",
            "Our CyberTipline reporter (ESP) id or account name, given by NCMEC when it registers us as an "
            "electronic service provider.",
            "NCMEC CyberTipline reporter (ESP) id, once NCMEC has registered you (Enter to leave it to complete)",
            "our NCMEC reporter (ESP) id, after registering with NCMEC",
        ),
        ProviderContact(
            "nca_administrator",
            "Name and role of our organisation administrator (and the replacement administrator) registered "
            "with the UK National Crime Agency's CSEA industry reporting portal.",
            "NCA reporting-portal organisation administrator and replacement (names and roles)",
            "our NCA portal organisation administrator and replacement, after registering with the NCA",
        ),
        ProviderContact(
            "police_ca",
            "The Canadian police service we notify under the reporting Act s.3, and how to reach it (phone or "
            "email), as agreed with counsel. The police of the place where the offence happened handle "
            "notifications; the RCMP's national centre takes requests from police only.",
            "Canadian police contact for s.3 notifications (service, phone or email)",
            "the Canadian police service we notify, agreed with counsel",
        ),
        ProviderContact(
            "police_au",
            "The Australian police contact we refer child abuse material and threats to life to (Criminal Code "
            "s.474.25 referrals to the Australian Federal Police), and how to reach it, as agreed with counsel.",
            "Australian police (AFP) contact for referrals (unit, phone, email or form)",
            "our Australian police contact (AFP referrals, threats to life), agreed with counsel",
        ),
        ProviderContact(
            "eu_authority",
            "The law-enforcement authority we notify under DSA Art 18 when no Member State can be identified "
            "(the authority of the Member State where we are established or where our legal representative "
            "is), and how to reach it, e.g. Germany: BKA DSA portal access.",
            "EU law-enforcement contact for DSA Art 18 notifications (authority and channel)",
            "the Art 18 authority of our Member State of establishment or legal representative",
        ),
        ProviderContact(
            "eu_legal_representative",
            "Our DSA legal representative in the EU (name and email), needed when the company is not "
            "established in the EU (DSA Art 13).",
            "EU legal representative under DSA Art 13 (name and email), if not established in the EU",
            "our DSA legal representative, if we are not established in the EU",
        ),
    ]
}

#: The marker a document shows for an empty provider contact; `generate` and `lint --profile` find it.
TO_COMPLETE = "TO COMPLETE"
