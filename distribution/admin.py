from django.contrib import admin

from .models import Bot, BotOperator, Contact, Lead, Operator


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "max_open_contacts"]


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "token_prefix", "created_at"]


@admin.register(BotOperator)
class BotOperatorAdmin(admin.ModelAdmin):
    list_display = ["bot", "operator", "weight", "current_weight"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "external_id", "email", "phone", "created_at"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["pk", "lead", "bot", "operator", "status", "created_at"]
