package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	apiservercel "k8s.io/apiserver/pkg/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	sigsjson "sigs.k8s.io/json"
)

// policy is one decoded policy with its write-time report and the runtime
// validator the admission plugin would build for it.
type policy struct {
	obj       *admissionregistrationv1.ValidatingAdmissionPolicy // nil if it did not decode
	report    policyReport
	validator validating.Validator
	rec       *recorders
}

func decodePolicy(raw json.RawMessage, compat *version.Version, evalEnv environment.Type) *policy {
	p := &policy{report: policyReport{CompileErrors: []string{}, SchemaErrors: []string{}}}
	var obj admissionregistrationv1.ValidatingAdmissionPolicy
	strictErrs, err := sigsjson.UnmarshalStrict(raw, &obj, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		p.report.SchemaErrors = append(p.report.SchemaErrors, err.Error())
		return p
	}
	for _, e := range strictErrs {
		p.report.SchemaErrors = append(p.report.SchemaErrors, e.Error())
	}
	p.obj = &obj
	p.report.Name = obj.Name
	p.report.SchemaErrors = append(p.report.SchemaErrors, schemaErrors(&obj)...)
	p.report.CompileErrors = append(p.report.CompileErrors, compileErrors(&obj.Spec, environment.MustBaseEnvSet(compat))...)
	p.validator, p.rec = buildValidator(&obj, evalEnv, compat)
	return p
}

var (
	supportedFailurePolicies = map[admissionregistrationv1.FailurePolicyType]bool{admissionregistrationv1.Fail: true, admissionregistrationv1.Ignore: true}
	supportedReasons         = map[metav1.StatusReason]bool{metav1.StatusReasonForbidden: true, metav1.StatusReasonInvalid: true, metav1.StatusReasonRequestEntityTooLarge: true}
	// The API server's isCELIdentifier (pkg/apis/admissionregistration/validation).
	celIdentRegex = regexp.MustCompile("^[_a-zA-Z][_a-zA-Z0-9]*$")
	celReserved   = map[string]bool{"true": true, "false": true, "null": true, "in": true,
		"as": true, "break": true, "const": true, "continue": true, "else": true,
		"for": true, "function": true, "if": true, "import": true, "let": true,
		"loop": true, "package": true, "namespace": true, "return": true,
		"var": true, "void": true, "while": true}
	newlines = regexp.MustCompile(`[\n\r]+`)
)

// schemaErrors reports the structural requirements the API server's policy
// validation enforces and the most likely to be violated by hand-written
// policies. It is deliberately partial (no label-selector, rule or metadata
// validation); failurePolicy and matchPolicy are treated as defaulted.
func schemaErrors(p *admissionregistrationv1.ValidatingAdmissionPolicy) []string {
	errs := objectErrors(p.APIVersion, p.Kind, "ValidatingAdmissionPolicy", p.Name)
	spec := field.NewPath("spec")
	s := &p.Spec
	if s.FailurePolicy != nil && !supportedFailurePolicies[*s.FailurePolicy] {
		errs = append(errs, field.NotSupported(spec.Child("failurePolicy"), *s.FailurePolicy, []string{"Fail", "Ignore"}))
	}
	if s.MatchConstraints == nil {
		errs = append(errs, field.Required(spec.Child("matchConstraints"), ""))
	} else if len(s.MatchConstraints.ResourceRules) == 0 {
		errs = append(errs, field.Required(spec.Child("matchConstraints", "resourceRules"), ""))
	}
	for i, mc := range s.MatchConditions {
		if strings.TrimSpace(mc.Expression) == "" {
			errs = append(errs, field.Required(spec.Child("matchConditions").Index(i).Child("expression"), ""))
		}
		if mc.Name == "" {
			errs = append(errs, field.Required(spec.Child("matchConditions").Index(i).Child("name"), ""))
		}
	}
	for i, v := range s.Variables {
		path := spec.Child("variables").Index(i)
		if strings.TrimSpace(v.Name) == "" {
			errs = append(errs, field.Required(path.Child("name"), "name is not specified"))
		} else if !celIdentRegex.MatchString(v.Name) || celReserved[v.Name] {
			errs = append(errs, field.Invalid(path.Child("name"), v.Name, "name is not a valid CEL identifier"))
		}
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, field.Required(path.Child("expression"), "expression is not specified"))
		}
	}
	if len(s.Validations) == 0 && len(s.AuditAnnotations) == 0 {
		errs = append(errs, field.Required(spec.Child("validations"), "validations or auditAnnotations must contain at least one item"))
	}
	for i, v := range s.Validations {
		path := spec.Child("validations").Index(i)
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, field.Required(path.Child("expression"), "expression is not specified"))
		}
		if len(v.MessageExpression) > 0 && strings.TrimSpace(v.MessageExpression) == "" {
			errs = append(errs, field.Invalid(path.Child("messageExpression"), v.MessageExpression, "must be non-empty if specified"))
		}
		if msg := strings.TrimSpace(v.Message); len(v.Message) > 0 && msg == "" {
			errs = append(errs, field.Invalid(path.Child("message"), v.Message, "message must be non-empty if specified"))
		} else if newlines.MatchString(msg) {
			errs = append(errs, field.Invalid(path.Child("message"), v.Message, "message must not contain line breaks"))
		}
		if v.Reason != nil && !supportedReasons[*v.Reason] {
			errs = append(errs, field.NotSupported(path.Child("reason"), *v.Reason, []string{"Forbidden", "Invalid", "RequestEntityTooLarge"}))
		}
	}
	for i, a := range s.AuditAnnotations {
		if strings.TrimSpace(a.ValueExpression) == "" {
			errs = append(errs, field.Required(spec.Child("auditAnnotations").Index(i).Child("valueExpression"), "valueExpression is not specified"))
		}
	}
	return toStrings(errs)
}

// compileErrors compiles every expression of the spec the way the API server
// validates a newly written policy: in the NewExpressions environment of the
// base env set for the compatibility version, with a composited (variables)
// compiler when the policy has variables and the stateless compiler otherwise,
// and the same optional declarations per expression kind.
func compileErrors(s *admissionregistrationv1.ValidatingAdmissionPolicySpec, envSet *environment.EnvSet) []string {
	const mode = environment.NewExpressions
	var errs field.ErrorList
	spec := field.NewPath("spec")
	hasParams := s.ParamKind != nil
	withAuthz := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	noAuthz := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: false}

	stateless := plugincel.NewCompiler(envSet)
	var compiler plugincel.Compiler = stateless
	var composited *plugincel.CompositedCompiler
	if len(s.Variables) > 0 {
		c, err := plugincel.NewCompositedCompiler(envSet)
		if err != nil {
			return []string{fmt.Sprintf("spec: Internal error: %v", err)}
		}
		composited, compiler = c, c
	}
	check := func(path *field.Path, r plugincel.CompilationResult) {
		if r.Error != nil {
			errs = append(errs, celFieldError(path, r.ExpressionAccessor, r.Error))
		}
	}
	for i, mc := range s.MatchConditions {
		if e := strings.TrimSpace(mc.Expression); e != "" {
			check(spec.Child("matchConditions").Index(i).Child("expression"),
				stateless.CompileCELExpression(&matchconditions.MatchCondition{Expression: e}, withAuthz, mode))
		}
	}
	for i, v := range s.Variables {
		if strings.TrimSpace(v.Name) == "" || strings.TrimSpace(v.Expression) == "" {
			continue
		}
		check(spec.Child("variables").Index(i).Child("expression"),
			composited.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, withAuthz, mode))
	}
	for i, v := range s.Validations {
		path := spec.Child("validations").Index(i)
		if strings.TrimSpace(v.Expression) != "" {
			check(path.Child("expression"),
				compiler.CompileCELExpression(&validating.ValidationCondition{Expression: v.Expression}, withAuthz, mode))
		}
		if strings.TrimSpace(v.MessageExpression) != "" {
			check(path.Child("messageExpression"),
				compiler.CompileCELExpression(&validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}, noAuthz, mode))
		}
	}
	for i, a := range s.AuditAnnotations {
		if e := strings.TrimSpace(a.ValueExpression); e != "" {
			check(spec.Child("auditAnnotations").Index(i).Child("valueExpression"),
				compiler.CompileCELExpression(&validating.AuditAnnotationCondition{ValueExpression: e}, withAuthz, mode))
		}
	}
	return toStrings(errs)
}

// celFieldError is the API server's convertCELErrorToValidationError.
func celFieldError(path *field.Path, expr plugincel.ExpressionAccessor, err *apiservercel.Error) *field.Error {
	switch err.Type {
	case apiservercel.ErrorTypeRequired:
		return field.Required(path, err.Detail)
	case apiservercel.ErrorTypeInvalid:
		return field.Invalid(path, expr.GetExpression(), err.Detail)
	default:
		return field.InternalError(path, err)
	}
}

func toStrings(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// buildValidator is the admission plugin's compilePolicy (validating/plugin.go)
// with two differences: the environment type is a parameter (the plugin always
// uses StoredExpressions, which is also our default), and each ConditionEvaluator
// and the matcher are wrapped in pass-through recorders so the budget the
// validator hands in and the remaining budget it gets back can be read.
func buildValidator(p *admissionregistrationv1.ValidatingAdmissionPolicy, mode environment.Type, compat *version.Version) (validating.Validator, *recorders) {
	rec := &recorders{}
	envVersion := environment.DefaultCompatibilityVersion() // what getCompositionEnvTemplateWithStrictCost uses
	if mode == environment.NewExpressions {
		envVersion = compat
	}
	hasParam := p.Spec.ParamKind != nil
	optionalVars := plugincel.OptionalVariableDeclarations{HasParams: hasParam, HasAuthorizer: true}
	expressionOptionalVars := plugincel.OptionalVariableDeclarations{HasParams: hasParam, HasAuthorizer: false}
	failurePolicy := p.Spec.FailurePolicy
	filterCompiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(envVersion))
	if err != nil {
		return validating.NewValidator(nil, nil, nil, nil, failurePolicy, err), rec
	}
	filterCompiler.CompileAndStoreVariables(convertVariables(p.Spec.Variables), optionalVars, mode)

	var matcher matchconditions.Matcher
	if mcs := p.Spec.MatchConditions; len(mcs) > 0 {
		accessors := make([]plugincel.ExpressionAccessor, len(mcs))
		for i := range mcs {
			accessors[i] = (*matchconditions.MatchCondition)(&mcs[i])
		}
		rec.matchConditions = &filterRecorder{inner: filterCompiler.CompileCondition(accessors, optionalVars, mode)}
		rec.matcher = &matcherRecorder{inner: matchconditions.NewMatcher(rec.matchConditions, failurePolicy, "policy", "validate", p.Name)}
		matcher = rec.matcher
	}
	rec.validations = &filterRecorder{inner: filterCompiler.CompileCondition(convertValidations(p.Spec.Validations), optionalVars, mode)}
	rec.auditAnnotations = &filterRecorder{inner: filterCompiler.CompileCondition(convertAuditAnnotations(p.Spec.AuditAnnotations), optionalVars, mode)}
	rec.messages = &filterRecorder{inner: filterCompiler.CompileCondition(convertMessageExpressions(p.Spec.Validations), expressionOptionalVars, mode)}
	return validating.NewValidator(rec.validations, matcher, rec.auditAnnotations, rec.messages, failurePolicy, nil), rec
}

// The convert* functions are verbatim copies of the plugin's unexported helpers.

func convertValidations(in []admissionregistrationv1.Validation) []plugincel.ExpressionAccessor {
	out := make([]plugincel.ExpressionAccessor, len(in))
	for i, v := range in {
		out[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
	}
	return out
}

func convertMessageExpressions(in []admissionregistrationv1.Validation) []plugincel.ExpressionAccessor {
	out := make([]plugincel.ExpressionAccessor, len(in))
	for i, v := range in {
		if v.MessageExpression != "" {
			out[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return out
}

func convertAuditAnnotations(in []admissionregistrationv1.AuditAnnotation) []plugincel.ExpressionAccessor {
	out := make([]plugincel.ExpressionAccessor, len(in))
	for i, a := range in {
		out[i] = &validating.AuditAnnotationCondition{Key: a.Key, ValueExpression: a.ValueExpression}
	}
	return out
}

func convertVariables(in []admissionregistrationv1.Variable) []plugincel.NamedExpressionAccessor {
	out := make([]plugincel.NamedExpressionAccessor, len(in))
	for i, v := range in {
		out[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	return out
}
