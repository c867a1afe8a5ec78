"""Case inboxes at /staff/cases/ (name 'inbox')."""

from django.urls import path

from mado.casework import views, views_io, views_rules

app_name = "casework"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("reports/approval/", views_io.approval_report_view, name="approval_report"),
    path("export/", views_io.export_view, name="export"),
    path("import/", views_io.import_view, name="import"),
    path("rules/", views_rules.rules_view, name="rules"),
    path("rules/new/", views_rules.rule_new_view, name="rule_new"),
    path("rules/<int:rule_id>/", views_rules.rule_edit_view, name="rule_edit"),
    path("rules/<int:rule_id>/active/", views_rules.rule_toggle_view, name="rule_toggle"),
    path("<int:case_id>/", views.case_view, name="case"),
    path("<int:case_id>/action/", views.action_view, name="action"),
    path("<int:case_id>/files/<int:file_id>/", views.internal_file_view, name="internal_file"),
    path("<int:case_id>/notices/<int:notice_id>.pdf", views.notice_pdf_view, name="notice_pdf"),
]
