"""Every product label Parity maps onto a metric, with where the label comes from.

A label added to bot/metrics.py without a source here fails the first test; a source
without a label fails it too. Sources are Adobe's documentation pages (the Markdown behind
experienceleague.adobe.com, by repository and path, as /work/shared/reference/adobe-data.md
cites them), Adobe's XDM schemas for field values, or "Parity" for words people type that
no product prints (those are for questions, and harmless in files).
"""

from __future__ import annotations

import pytest

from bot.metrics import LABEL_TO_METRIC, NOT_THE_SAME, metric_for_label, not_the_same

AJO = "AdobeDocs/journey-optimizer.en:help/using/reports/"
LIVE = AJO + "live-report-components.md"
CJA_BASED = AJO + "global-report-components-cja.md"
CJA_AJO = "AdobeDocs/analytics-platform.en:help/integrations/ajo.md"
CJA_AJO_OLD = "AdobeDocs/analytics-platform.ko-KR:help/integrations/ajo.md (older manual set-up)"
XDM_FEEDBACK = (
    "adobe/xdm:extensions/adobe/experience/customerJourneyManagement/"
    "message-delivery-feedback.schema.json (feedbackStatus)"
)
XDM_INTERACTION = (
    "adobe/xdm:extensions/adobe/experience/customerJourneyManagement/"
    "message-interaction.schema.json (interactionType)"
)
SUFFIX = f"{CJA_AJO}: the automatic data view suffixes every component with ' (AJO)'"
PARITY = "Parity: a word people type, printed by no product"

SOURCES: dict[str, str] = {
    # sent
    "sent": f"{LIVE} (Sent); {XDM_FEEDBACK}",
    "sends": f"{CJA_BASED} (Sends)",
    "send": PARITY,
    "total sends": f"{LIVE} (Sent: total sends for the delivery)",
    "outbound sends": f"{CJA_AJO} (Outbound Sends)",
    "sends (ajo)": f"{CJA_AJO} (Sends (AJO))",
    "outbound sends (ajo)": f"{CJA_AJO} (Outbound Sends (AJO))",
    # delivered
    "delivered": f"{LIVE} (Delivered)",
    "delivered (ajo)": f"{CJA_AJO} (Delivered (AJO))",
    "messages successfully sent": f"{AJO}cja-ajo.md (retries resolve into it); {LIVE}",
    "successfully sent": f"{LIVE} (Delivered: messages successfully sent)",
    "messages delivered": f"{CJA_AJO_OLD} (calculated metric Sends − Bounces After Delivery)",
    "deliveries": PARITY,
    # bounces
    "bounces": f"{LIVE} (Bounces)",
    "bounce": XDM_FEEDBACK,
    "bounces for outbound channels": f"{CJA_BASED} (Bounces for outbound channels)",
    "bounces for outbound channels (ajo)": f"{CJA_AJO} (Bounces For Outbound Channels (AJO))",
    "bounces for outbound sms": f"{CJA_BASED} (SMS: Bounces for outbound SMS)",
    "bounces (ajo)": f"{SUFFIX}, on {LIVE} (Bounces)",
    "bounces for outbound sms (ajo)": f"{SUFFIX}, on {CJA_BASED} (Bounces for outbound SMS)",
    # retries
    "retries": f"{LIVE} (Retries: emails in the retry queue)",
    "retry": "AdobeDocs/journey-optimizer.en:help/using/configuration/archiving-support.md "
    "(delay is categorized as Retry)",
    "delay": XDM_FEEDBACK,
    "delays": XDM_FEEDBACK,
    # errors
    "errors": f"{LIVE} (Errors)",
    "error": XDM_FEEDBACK,
    "send errors": f"{CJA_BASED} (Outbound errors / Send Errors)",
    "outbound errors": f"{CJA_BASED} (Outbound errors)",
    "outbound errors (ajo)": f"{CJA_AJO} (Outbound Errors (AJO))",
    "outbound sms errors": f"{CJA_BASED} (SMS: Outbound SMS errors)",
    "errors (ajo)": f"{SUFFIX}, on {LIVE} (Errors)",
    "send errors (ajo)": f"{SUFFIX}, on {CJA_BASED} (Send Errors)",
    "outbound sms errors (ajo)": f"{SUFFIX}, on {CJA_BASED} (Outbound SMS errors)",
    # excluded
    "excluded": f"{LIVE} (Excluded)",
    "exclusions": f"{AJO}exclusion-list.md (campaign report Exclusions)",
    "excludes": f"{CJA_AJO_OLD} (Excludes)",
    "exclude": XDM_FEEDBACK,
    "send exclusions": f"{CJA_BASED} (Outbound exclusions / Send exclusions)",
    "outbound exclusions": f"{CJA_BASED} (Outbound exclusions)",
    "outbound exclusions (ajo)": f"{CJA_AJO} (Outbound Exclusions (AJO))",
    "outbound sms exclusions": f"{CJA_BASED} (SMS: Outbound SMS exclusions)",
    "exclusions (ajo)": f"{SUFFIX}, on {AJO}exclusion-list.md (Exclusions)",
    "send exclusions (ajo)": f"{SUFFIX}, on {CJA_BASED} (Send exclusions)",
    "outbound sms exclusions (ajo)": f"{SUFFIX}, on {CJA_BASED} (Outbound SMS exclusions)",
    # opens
    "opens": f"{LIVE} (Opens)",
    "open": XDM_INTERACTION,
    "email opens": f"{CJA_BASED} (Opens / Email Opens); {CJA_AJO_OLD} (Email Opens)",
    "email opens (ajo)": f"{CJA_AJO} (Email Opens (AJO))",
    # clicks
    "clicks": f"{LIVE} (Clicks)",
    "click": XDM_INTERACTION,
    "email clicks": f"{CJA_AJO_OLD} (Email Clicks)",
    "clicks (ajo)": f"{CJA_AJO} (Clicks (AJO))",
    "outbound clicks (ajo)": f"{CJA_AJO} (Outbound Clicks (AJO))",
    "email clicks (ajo)": f"{SUFFIX}, on {CJA_AJO_OLD} (Email Clicks)",
    # unsubscribes
    "unsubscribes": f"{CJA_BASED} (Unsubscribes)",
    "unsubscribe": f"{XDM_INTERACTION}; {AJO}journey-live-report.md (Unsubscribe)",
    "unsubscriptions": f"{LIVE} (Unsubscriptions)",
    "unsubscription": f"{LIVE} (Unsubscriptions, singular)",
    "unsubscribes (ajo)": f"{CJA_AJO} (Unsubscribes (AJO))",
    "email unsubscribes": f"{CJA_BASED} (Unique Email Unsubscribes, counted)",
    "email unsubscribes (ajo)": f"{SUFFIX}, on {CJA_BASED} (Email Unsubscribes)",
    # spam complaints
    "spam complaints": f"{LIVE} (Spam complaints)",
    "spam complaint": f"{XDM_INTERACTION} (spam_complaint)",
    "spam complaint (ajo)": f"{CJA_AJO} (Spam Complaint (AJO))",
    "spam complaints (ajo)": f"{SUFFIX}, on {LIVE} (Spam complaints)",
    "spam": PARITY,
    # displays
    "displays": f"{CJA_BASED} (Displays)",
    "display": "adobe/xdm: _experience.decisioning.propositionEventType.display",
    "displays (ajo)": f"{CJA_AJO} (Displays (AJO))",
}


def test_every_label_has_a_source_and_every_source_a_label():
    assert sorted(set(LABEL_TO_METRIC) - set(SOURCES)) == [], "labels without a source"
    assert sorted(set(SOURCES) - set(LABEL_TO_METRIC)) == [], "sources for no label"


@pytest.mark.parametrize(("label", "source"), sorted(SOURCES.items()))
def test_a_source_is_a_document_or_says_it_is_parity_s_own(label, source):
    assert source == PARITY or any(origin in source for origin in ("AdobeDocs/", "adobe/xdm")), (
        f"{label}: {source}"
    )


def test_cja_messages_sent_is_not_ajo_sent():
    """CJA-DOCS help/integrations/ajo.md (older set-up): Messages Sent = Sends + Bounces −
    Bounces After Delivery, a different count from AJO's Sent (which includes retries)."""
    for label in ("Messages Sent", "messages_sent", "Messages Sent (AJO)"):
        assert metric_for_label(label) is None
        assert "Sends + Bounces − Bounces After Delivery" in not_the_same(label)
    assert set(NOT_THE_SAME).isdisjoint(LABEL_TO_METRIC)
