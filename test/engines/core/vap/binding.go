package main

import (
	"encoding/json"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

type bindingReport struct {
	Name         string   `json:"name"`
	SchemaErrors []string `json:"schemaErrors"`
}

// checkBinding decodes a ValidatingAdmissionPolicyBinding strictly into the
// pinned admissionregistration/v1 types and reports the API server's rules
// for the fields a generated binding sets.
func checkBinding(raw json.RawMessage) bindingReport {
	report := bindingReport{SchemaErrors: []string{}}
	var b admissionregistrationv1.ValidatingAdmissionPolicyBinding
	strictErrs, err := sigsjson.UnmarshalStrict(raw, &b, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		report.SchemaErrors = append(report.SchemaErrors, err.Error())
		return report
	}
	for _, e := range strictErrs {
		report.SchemaErrors = append(report.SchemaErrors, e.Error())
	}
	report.Name = b.Name
	errs := objectErrors(b.APIVersion, b.Kind, "ValidatingAdmissionPolicyBinding", b.Name)
	spec := field.NewPath("spec")
	if b.Spec.PolicyName == "" {
		errs = append(errs, field.Required(spec.Child("policyName"), ""))
	}
	actions := spec.Child("validationActions")
	if len(b.Spec.ValidationActions) == 0 {
		errs = append(errs, field.Required(actions, "at least one validation action is required"))
	}
	seen := map[admissionregistrationv1.ValidationAction]bool{}
	for i, a := range b.Spec.ValidationActions {
		switch a {
		case admissionregistrationv1.Deny, admissionregistrationv1.Warn, admissionregistrationv1.Audit:
		default:
			errs = append(errs, field.NotSupported(actions.Index(i), a, []string{"Deny", "Warn", "Audit"}))
		}
		if seen[a] {
			errs = append(errs, field.Duplicate(actions.Index(i), a))
		}
		seen[a] = true
	}
	if seen[admissionregistrationv1.Deny] && seen[admissionregistrationv1.Warn] {
		errs = append(errs, field.Invalid(actions, b.Spec.ValidationActions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	if m := b.Spec.MatchResources; m != nil && m.NamespaceSelector != nil {
		for i, e := range m.NamespaceSelector.MatchExpressions {
			p := spec.Child("matchResources", "namespaceSelector", "matchExpressions").Index(i)
			switch e.Operator {
			case "In", "NotIn":
				if len(e.Values) == 0 {
					errs = append(errs, field.Required(p.Child("values"), "must be specified when operator is In or NotIn"))
				}
			case "Exists", "DoesNotExist":
				if len(e.Values) > 0 {
					errs = append(errs, field.Forbidden(p.Child("values"), "may not be specified when operator is Exists or DoesNotExist"))
				}
			default:
				errs = append(errs, field.NotSupported(p.Child("operator"), e.Operator, []string{"In", "NotIn", "Exists", "DoesNotExist"}))
			}
		}
	}
	report.SchemaErrors = append(report.SchemaErrors, toStrings(errs)...)
	return report
}

// objectErrors checks what every admissionregistration/v1 object must have:
// its apiVersion and kind, and a name.
func objectErrors(apiVersion, kind, wantKind, name string) field.ErrorList {
	var errs field.ErrorList
	if apiVersion != admissionregistrationv1.SchemeGroupVersion.String() || kind != wantKind {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), apiVersion+"/"+kind, "expected admissionregistration.k8s.io/v1 "+wantKind))
	}
	if name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), ""))
	}
	return errs
}
