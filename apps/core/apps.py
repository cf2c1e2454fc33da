from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import request_memo

        request_started.connect(request_memo.request_started, dispatch_uid="request-memo-start")
        request_finished.connect(request_memo.request_finished, dispatch_uid="request-memo-end")
