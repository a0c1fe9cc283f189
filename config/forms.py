"""The project's form renderer: every Django form, allauth's included, renders its fields through
it, so each control is tied to its error and help text in one place (issue 13 defect 6)."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class DescribedBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        # Django describes a radio or checkbox group on its <fieldset> only, which several
        # screen readers never announce on the inputs; each input of the group says it too.
        if self.use_fieldset and not attrs.get("aria-describedby"):
            if described_by := self.aria_describedby:
                attrs["aria-describedby"] = described_by
        return attrs

    # Labels sit above their controls (docs/design.md): no trailing colon, in any form.
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        return super().label_tag(contents, attrs, "" if label_suffix is None else label_suffix, tag)

    def legend_tag(self, contents=None, attrs=None, label_suffix=None):
        return super().legend_tag(contents, attrs, "" if label_suffix is None else label_suffix)

    @property
    def summary_target_id(self) -> str:
        """The id the error summary links to: the control itself, or a group's first input."""
        return self.id_for_label or (f"{self.auto_id}_0" if self.auto_id else "")


class FormRenderer(DjangoTemplates):
    bound_field_class = DescribedBoundField
