"""Pages of the sizing wizard and of saved scenarios. Views translate HTTP to the forms,
selectors and services and back; they hold no sizing rule.

(Longer than ~400 lines on purpose: the wizard's htmx renderings and the scenario pages, each a
thin view.)

One URL, several renderings (htmx): `sizing:wizard` answers a normal request with the full
page; an htmx request aimed at `#wizard` (a field that decides which other fields exist
changed) with the whole wizard; any other htmx request (a value changed) with the result
panel plus out-of-band updates of the error slots beside the fields, so an input being typed
in is never replaced. Every htmx answer pushes the canonical URL of the state.

The wizard carries `hx-history="false"`: htmx's history snapshots keep the inputs' original
`value` attributes, not what was typed, so Back restored a stale form; without snapshots
Back asks the server for that URL (a history-restore request gets the full page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.types import AuthedRequest
from apps.core.exceptions import ApplicationError
from apps.core.htmx import is_htmx
from apps.core.pagination import page_context

from . import adapters, exports, gateway, selectors, services
from .models import Scenario
from .wizard import HfConfigForm, ScenarioRenameForm, ScenarioSaveForm, WizardForm, custom_keys

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the wizard --------------------------------------------------------------------------


def _gpu_names() -> dict[str, str]:
    return {slug: gpu.name for slug, gpu in adapters.catalog_snapshot().gpus.items()}


def result_context(result: dict[str, Any], book: Any, query: str) -> dict[str, Any]:
    """What the result partials need: the result, priced BoM sections, alternatives (each
    with a link that sizes it in the wizard)."""
    prices = selectors.prices_of(book)
    sections = selectors.bom_sections(result, prices)
    return {
        "result": result,
        "book": book,
        "bom_sections": sections,
        "bom_total": selectors.bom_total(sections) if prices else None,
        "alternatives": _with_use_links(selectors.alternatives_table(result, _gpu_names()), query),
    }


def _with_use_links(table: dict[str, Any], query: str) -> dict[str, Any]:
    for row in table["rows"]:
        if row.get("feasible"):
            state = QueryDict(query, mutable=True)
            state.pop("nodes", None)
            state["gpu"], state["fabric"] = str(row["gpu"]), str(row["fabric"])
            row["use_url"] = f"{reverse('sizing:wizard')}?{state.urlencode()}"
    return table


def _wizard_context(query: QueryDict, **extra: Any) -> dict[str, Any]:
    form = WizardForm.from_query(query, catalog=adapters.catalog_snapshot())
    book = selectors.price_book()
    context: dict[str, Any] = {"form": form, "sizing": None, "whatif": None, "book": book}
    state = form.query_string()
    if form.is_valid():
        sizing = gateway.size(form.workload(), book=book)
        context["sizing"] = sizing
        if sizing.result is not None:
            context.update(result_context(sizing.result, book, state))
            context["assumption_rows"] = form.assumption_rows(sizing.result.get("assumptions"))
            context["kept_assumptions"] = form.kept_assumptions()
            context["whatif"] = _whatif(form, sizing.result, book)
            context["reset_assumptions_query"] = form.query_string(
                **{f"a_{name}": None for name in form.assumption_overrides()}
            )
        else:
            form.add_engine_errors(sizing.field_errors)
    context.update(
        {
            "query": state,
            "page_url": f"{reverse('sizing:wizard')}?{state}",
            "save_form": extra.pop("save_form", None) or ScenarioSaveForm(),
            "upload_form": extra.pop("upload_form", None) or HfConfigForm(),
            **extra,
        }
    )
    return context


def _whatif(form: WizardForm, result: dict[str, Any], book: Any) -> dict[str, Any] | None:
    """Each what-if change sized on its own beside the current sizing ("change one thing":
    two changes are two columns, never one stacked run)."""
    changes = form.whatif_changes()
    if not changes:
        return None
    columns, compared = [], []
    for change in changes:
        sizing = gateway.size(form.workload(**{change["path"]: change["value"]}), book=book)
        compared.append(selectors.compare_rows(result, sizing.result) if sizing.result else [])
        columns.append(
            {
                **change,
                "errors": [m for msgs in sizing.field_errors.values() for m in msgs],
                "apply_query": form.applied_whatif_query(only=change["name"]),
            }
        )
    currency = str((result.get("tco") or {}).get("currency") or "")
    return {"columns": columns, "rows": selectors.side_by_side(compared, currency)}


@login_required
@require_GET
def wizard(request: AuthedRequest) -> HttpResponse:
    context = _wizard_context(request.GET)
    if not is_htmx(request):
        return render(request, "sizing/wizard.html", context)
    target = request.headers.get("HX-Target")
    template = (
        "sizing/partials/wizard.html"
        if target == "wizard"
        else "sizing/partials/result_update.html"
    )
    response = render(request, template, context)
    response["HX-Push-Url"] = context["page_url"]
    return response


@login_required
@require_GET
def model_options(request: AuthedRequest) -> HttpResponse:
    """The library's `<option>`s matching a search (swapped into the model select)."""
    from .wizard import model_choices

    groups = model_choices(
        adapters.catalog_snapshot(), request.GET.get("q", ""), request.GET.get("model", "")
    )
    return render(
        request,
        "sizing/partials/model_options.html",
        {"groups": groups, "selected": request.GET.get("model", "")},
    )


@login_required
@require_GET
def alternatives(request: AuthedRequest) -> HttpResponse:
    """Every orderable GPU and fabric for the wizard's workload, side by side."""
    form = WizardForm.from_query(request.GET, catalog=adapters.catalog_snapshot())
    context: dict[str, Any] = {"form": form, "alternatives": None, "errors": []}
    book = selectors.price_book()
    if form.is_valid():
        workload = form.workload(gpu="auto", fabric="auto")
        workload.pop("nodes", None)
        sizing = gateway.size(workload, book=book)
        if sizing.result is not None:
            context["alternatives"] = _with_use_links(
                selectors.alternatives_table(sizing.result, _gpu_names()), form.query_string()
            )
        context["errors"] = [m for msgs in sizing.field_errors.values() for m in msgs]
    context.update({"book": book, "query": form.query_string(), "standalone": True})
    return render(request, "sizing/partials/alternatives.html", context)


@login_required
@require_POST
def upload_config(request: AuthedRequest) -> HttpResponse:
    """A Hugging Face config.json becomes the custom model of the wizard's current state."""
    upload_form = HfConfigForm(request.POST, request.FILES)
    state = _state_from_post(request.POST)
    if not upload_form.is_valid():
        if is_htmx(request):
            return render(request, "sizing/partials/upload_errors.html", {"form": upload_form})
        state["model_source"] = "custom"  # the upload and its message live in that section
        return render(
            request,
            "sizing/wizard.html",
            _wizard_context(state, upload_form=upload_form),
            status=400,
        )
    for key in custom_keys():  # a new model replaces every field of the previous one
        state.pop(key, None)
    for key, value in {"model_source": "custom", **upload_form.cleaned_data["config"]}.items():
        state[key] = value  # replaces (QueryDict.update would append a second value)
    for key in ("model", "q"):
        state.pop(key, None)
    url = f"{reverse('sizing:wizard')}?{state.urlencode()}"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _state_from_post(post: QueryDict) -> QueryDict:
    """The wizard state sent along with a POST: its fields (htmx) or its `query` (no JS)."""
    if "kind" in post:
        state = post.copy()
    else:
        state = QueryDict(post.get("query", ""), mutable=True)
    for key in ("csrfmiddlewaretoken", "name", "query", "config"):
        state.pop(key, None)
    return state


def _export_result(request: HttpRequest) -> tuple[dict[str, Any] | None, str]:
    form = WizardForm.from_query(request.GET, catalog=adapters.catalog_snapshot())
    if not form.is_valid():
        return None, form.query_string()
    sizing = gateway.size(form.workload())
    return sizing.result, form.query_string()


def _file(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_name(result: dict[str, Any], stem: str, ext: str) -> str:
    model = result.get("model") or {}
    name = slugify(f"{stem} {model.get('slug', '')} {result.get('gpu', '')}") or "sizing"
    return f"{name}.{ext}"


@login_required
@require_GET
def export_json(request: AuthedRequest) -> HttpResponse:
    """The wizard's result as JSON: the API's answer for the same workload (one gateway)."""
    form = WizardForm.from_query(request.GET, catalog=adapters.catalog_snapshot())
    if not form.is_valid():
        return JsonResponse({"fields": form.errors.get_json_data()}, status=400)
    sizing = gateway.size(form.workload())
    if sizing.result is None:
        return JsonResponse({"fields": sizing.field_errors}, status=422 if sizing.failed else 400)
    response = JsonResponse(sizing.result)
    response["Content-Disposition"] = (
        f'inline; filename="{_export_name(sizing.result, "sizing", "json")}"'
    )
    return response


def _export_bom(request: AuthedRequest, ext: str) -> HttpResponse:
    """The wizard's BoM as CSV or XLSX, priced as in the exports' price book; invalid input
    goes back to the wizard with its messages."""
    result, query = _export_result(request)
    if result is None:
        messages.error(request, "Fix the highlighted inputs before exporting.")
        return redirect(f"{reverse('sizing:wizard')}?{query}")
    render, content_type = (
        (exports.bom_csv, CSV_TYPE) if ext == "csv" else (exports.bom_xlsx, XLSX_TYPE)
    )
    content = render(result, selectors.export_pricing())
    return _file(content, content_type, _export_name(result, "bom", ext))


@login_required
@require_GET
def export_csv(request: AuthedRequest) -> HttpResponse:
    return _export_bom(request, "csv")


@login_required
@require_GET
def export_xlsx(request: AuthedRequest) -> HttpResponse:
    return _export_bom(request, "xlsx")


# --- scenarios ---------------------------------------------------------------------------


@login_required
@require_POST
def scenario_save(request: AuthedRequest) -> HttpResponse:
    save_form = ScenarioSaveForm(request.POST)
    state = _state_from_post(request.POST)
    if save_form.is_valid():
        form = WizardForm.from_query(state, catalog=adapters.catalog_snapshot())
        if not form.is_valid():
            save_form.add_error(None, "Fix the highlighted inputs before saving.")
        else:
            try:
                scenario = services.scenario_create(
                    user=request.user, name=save_form.cleaned_data["name"], inputs=form.workload()
                )
            except ApplicationError as exc:
                save_form.add_error(None, exc.message)
            else:
                messages.success(request, f"Saved scenario “{scenario.name}”.")
                url = reverse("sizing:scenario_detail", args=[scenario.pk])
                if is_htmx(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    if is_htmx(request):
        return render(
            request,
            "sizing/partials/save_box.html",
            {"save_form": save_form, "query": state.urlencode()},
        )
    return render(
        request, "sizing/wizard.html", _wizard_context(state, save_form=save_form), status=400
    )


@login_required
@require_GET
def scenario_list(request: AuthedRequest) -> HttpResponse:
    whose = request.GET.get("whose", "all")
    search = request.GET.get("q", "").strip()[:100]
    scenarios = selectors.scenario_rows(request.user, mine=whose == "mine", search=search)
    paged = page_context(scenarios, request.GET.get("page"))
    context = {
        **paged,
        "scenarios": paged["page_obj"] or [],
        "whose": whose,
        "q": search,
        "compare_error": request.GET.get("compare_error"),
    }
    template = (
        "sizing/partials/scenario_table.html" if is_htmx(request) else "sizing/scenario_list.html"
    )
    return render(request, template, context)


def _scenario_context(request: AuthedRequest, scenario: Scenario) -> dict[str, Any]:
    from .wizard import query_from_workload

    book = selectors.price_book()
    wizard_query = query_from_workload(scenario.inputs)
    return {
        "scenario": scenario,
        **result_context(scenario.result, book, wizard_query),
        "can_change": selectors.scenario_can_change(request.user, scenario),
        "wizard_query": wizard_query,
        "others": selectors.scenario_rows(request.user).exclude(pk=scenario.pk)[:50],
        "rename_form": ScenarioRenameForm(initial={"name": scenario.name}),
    }


@login_required
@require_GET
def scenario_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get_for_user(request.user, pk)
    return render(request, "sizing/scenario_detail.html", _scenario_context(request, scenario))


def _changeable(request: AuthedRequest, pk: int) -> Scenario:
    scenario = selectors.scenario_get_for_user(request.user, pk)
    if not selectors.scenario_can_change(request.user, scenario):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only the owner or an admin may change this scenario.")
    return scenario


@login_required
@require_http_methods(["GET", "POST"])
def scenario_rename(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = _changeable(request, pk)
    form = ScenarioRenameForm(request.POST or None, initial={"name": scenario.name})
    if request.method == "POST" and form.is_valid():
        services.scenario_rename(scenario=scenario, name=form.cleaned_data["name"])
        if is_htmx(request):
            return render(
                request,
                "sizing/partials/scenario_title.html",
                {"scenario": scenario, "can_change": True},
            )
        messages.success(request, "Renamed.")
        return redirect("sizing:scenario_detail", pk=scenario.pk)
    template = (
        "sizing/partials/rename_form.html" if is_htmx(request) else "sizing/scenario_rename.html"
    )
    return render(request, template, {"scenario": scenario, "rename_form": form})


@login_required
@require_POST
def scenario_duplicate(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get_for_user(request.user, pk)
    try:
        copy = services.scenario_duplicate(user=request.user, scenario=scenario)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("sizing:scenario_detail", pk=scenario.pk)
    messages.success(request, f"Duplicated as “{copy.name}”.")
    return redirect("sizing:scenario_detail", pk=copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = _changeable(request, pk)
    if request.method == "POST":
        try:
            services.scenario_delete(scenario=scenario)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("sizing:scenario_detail", pk=pk)
        messages.success(request, f"Deleted scenario “{scenario.name}”.")
        return redirect("sizing:scenario_list")
    return render(request, "sizing/scenario_confirm_delete.html", {"scenario": scenario})


@login_required
@require_GET
def scenario_compare(request: AuthedRequest) -> HttpResponse:
    ids = [value for value in request.GET.getlist("ids") if value.isdigit()][:3]
    if len(ids) != 2:
        return redirect(f"{reverse('sizing:scenario_list')}?compare_error=1")
    a, b = (selectors.scenario_get_for_user(request.user, int(pk)) for pk in ids)
    context = {
        "a": a,
        "b": b,
        "rows": selectors.side_by_side(
            [selectors.compare_rows(a.result, b.result)],
            str((a.result.get("tco") or {}).get("currency") or ""),
        ),
        "input_rows": _input_rows(a.inputs, b.inputs),
    }
    return render(request, "sizing/scenario_compare.html", context)


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _input_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    fa, fb = _flatten(a), _flatten(b)
    keys = list(dict.fromkeys([*fa, *fb]))
    return [
        {"label": k, "a": fa.get(k), "b": fb.get(k), "differs": fa.get(k) != fb.get(k)}
        for k in keys
    ]


@login_required
@require_GET
def scenario_export_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get_for_user(request.user, pk)
    return _file(
        exports.bom_csv(scenario.result, selectors.export_pricing()),
        CSV_TYPE,
        f"{slugify(scenario.name) or 'scenario'}-bom.csv",
    )


@login_required
@require_GET
def scenario_export_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get_for_user(request.user, pk)
    content = exports.bom_xlsx(scenario.result, selectors.export_pricing())
    return _file(content, XLSX_TYPE, f"{slugify(scenario.name) or 'scenario'}-bom.xlsx")
