"""The app's routes: the bots' API, the managers' dashboard and the operators' workspace."""

from django.urls import path, register_converter

from minicrm.converters import IdConverter

from .views import bots, contacts, intake, leads, logins, operators, overview, report, time_zone, workspace
from .views.apidocs import docs as api_docs
from .views.apidocs import openapi_json
from .views.metrics import metrics

register_converter(IdConverter, "id")

urlpatterns = [
    # The bots' API
    path("api/contacts", intake.contacts, name="api-contacts"),
    path("api/schedule", intake.hours, name="api-schedule"),
    path("api/contacts/close", intake.contact_close_by_external_id, name="api-contact-close-by-external-id"),
    path("api/contacts/<id:pk>", intake.contact, name="api-contact"),
    path("api/contacts/<id:pk>/close", intake.contact_close, name="api-contact-close"),
    path(
        "api/contacts/accept", intake.contact_accept_by_external_id, name="api-contact-accept-by-external-id"
    ),
    path("api/contacts/<id:pk>/accept", intake.contact_accept, name="api-contact-accept"),
    path("api/openapi.json", openapi_json, name="api-openapi"),
    path("api/docs", api_docs, name="api-docs"),
    path("healthz", intake.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # The managers' dashboard
    path("", overview.overview, name="overview"),
    path("operators/", operators.operator_list, name="operators"),
    path("operators/<id:pk>/", operators.operator_detail, name="operator"),
    path("operators/<id:pk>/switch", operators.operator_switch, name="operator-switch"),
    path("operators/<id:pk>/capacity", operators.operator_capacity, name="operator-capacity"),
    path("operators/<id:pk>/hand-over", operators.operator_hand_over, name="operator-hand-over"),
    path("operators/<id:pk>/shifts", operators.operator_shifts, name="operator-shifts"),
    path("operators/<id:pk>/rename", operators.operator_rename, name="operator-rename"),
    path("operators/<id:pk>/archive", operators.operator_archive, name="operator-archive"),
    path("operators/<id:pk>/unarchive", operators.operator_unarchive, name="operator-unarchive"),
    path("operators/<id:pk>/login/create", logins.login_create, name="operator-login-create"),
    path("operators/<id:pk>/login/reset", logins.login_reset, name="operator-login-reset"),
    path("operators/<id:pk>/login/detach", logins.login_detach, name="operator-login-detach"),
    path("bots/", bots.bot_list, name="bots"),
    path("bots/<id:pk>/", bots.bot_detail, name="bot"),
    path("bots/<id:pk>/rename", bots.bot_rename, name="bot-rename"),
    path("bots/<id:pk>/archive", bots.bot_archive, name="bot-archive"),
    path("bots/<id:pk>/unarchive", bots.bot_unarchive, name="bot-unarchive"),
    path("bots/<id:pk>/auto-close", bots.bot_auto_close, name="bot-auto-close"),
    path("bots/<id:pk>/answering", bots.bot_answering, name="bot-answering"),
    path("bots/<id:pk>/vouches", bots.bot_vouches, name="bot-vouches"),
    path("bots/<id:pk>/hours", bots.bot_hours, name="bot-hours"),
    path("bots/<id:pk>/rotate-token", bots.bot_rotate, name="bot-rotate"),
    path("bots/<id:pk>/webhook", bots.bot_webhook, name="bot-webhook"),
    path("bots/<id:pk>/webhook/switch", bots.bot_webhook_switch, name="bot-webhook-switch"),
    path("bots/<id:pk>/webhook/rotate-secret", bots.bot_webhook_rotate, name="bot-webhook-rotate"),
    path("bots/<id:pk>/deliveries/<id:delivery_pk>/resend", bots.delivery_resend, name="bot-delivery-resend"),
    path("bots/<id:pk>/webhook/remove", bots.bot_webhook_remove, name="bot-webhook-remove"),
    path("bots/<id:pk>/operators", bots.link_add, name="link-add"),
    path("bots/<id:pk>/operators/<id:operator_pk>/weight", bots.link_weight, name="link-weight"),
    path("bots/<id:pk>/operators/<id:operator_pk>/remove", bots.link_remove, name="link-remove"),
    path("leads/", leads.lead_list, name="leads"),
    path("leads/<id:pk>/", leads.lead_detail, name="lead"),
    path("leads/<id:pk>/rename", leads.lead_rename, name="lead-rename"),
    path("leads/<id:pk>/identifiers", leads.lead_identifier_add, name="lead-identifier-add"),
    path("leads/<id:pk>/identifiers/remove", leads.lead_identifier_remove, name="lead-identifier-remove"),
    path("leads/<id:pk>/merge", leads.lead_merge, name="lead-merge"),
    path("leads/<id:pk>/split", leads.lead_split, name="lead-split"),
    path("leads/<id:pk>/not-duplicate", leads.lead_not_duplicate, name="lead-not-duplicate"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/export.csv", contacts.contact_export, name="contacts-export"),
    path("contacts/<id:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<id:pk>/transfer", contacts.contact_transfer, name="contact-transfer"),
    path("contacts/<id:pk>/reopen", contacts.contact_reopen, name="contact-reopen"),
    path("contacts/<id:pk>/close", contacts.contact_close, name="contact-close"),
    path("report/", report.report, name="report"),
    path("report/export.csv", report.report_export, name="report-export"),
    # The operators' workspace
    path("me/", workspace.workspace, name="workspace"),
    path("me/available", workspace.available, name="workspace-available"),
    path("me/away", workspace.away, name="workspace-away"),
    path("me/contacts/<id:pk>/", workspace.contact_detail, name="workspace-contact"),
    path("me/contacts/<id:pk>/close", workspace.contact_close, name="workspace-close"),
    path("me/contacts/<id:pk>/take", workspace.contact_take, name="workspace-take"),
    path("home", workspace.home, name="home"),
    # Any login's own settings
    path("settings/time-zone", time_zone.time_zone, name="time-zone"),
]
