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
        Term("tips", "Safety tips", "What the service tells parents, teens and all users."),
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
    "social-network": ("user_uploads", "direct_messages", "external_links"),
    "forum": ("external_links",),
    "cloud-storage": (),
    "gaming": ("direct_messages",),
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
    "authority-notice": "A notice or order from a hotline, police or regulator",
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
