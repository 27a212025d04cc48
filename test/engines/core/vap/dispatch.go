package main

// Dispatch mode: whole admission requests through the API server's own
// ValidatingAdmissionPolicy dispatcher (validating.NewDispatcher(...).Dispatch),
// the code the admission plugin runs for every request. Policy and binding
// matching (matchConstraints, binding matchResources with its selectors),
// matchConditions, validationActions (Deny/Warn/Audit), request.userInfo,
// oldObject, namespaceObject and subresources are all evaluated there; this
// file only builds the inputs (hooks, attributes, context) and copies out the
// verdict, the warnings and the audit annotations.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/kubernetes/scheme"
	sigsjson "sigs.k8s.io/json"
)

type admissionStatus struct {
	Code    int32  `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// failure is one validation that the dispatcher acted on (a decision whose
// action, after failurePolicy, is deny) under one binding.
type failure struct {
	Policy  string `json:"policy"`
	Binding string `json:"binding"`
	// ExpressionIndex is the index into the validator's decisions, as the
	// dispatcher's validation_failure annotation reports it: the index into
	// spec.validations, or 0 for a decision covering the whole policy
	// (Validation is then -1).
	ExpressionIndex int `json:"expressionIndex"`
	// Validation is the index into spec.validations, or -1 (whole policy: a
	// compile error, a failing matchCondition, an activation error).
	Validation int `json:"validation"`
	// Actions are the binding's validationActions (for an auditAnnotation
	// error, which the dispatcher always turns into a denial: ["Deny"]).
	Actions []admissionregistrationv1.ValidationAction `json:"actions"`
	// Evaluation is the validator's PolicyDecisionEvaluation: deny or error.
	Evaluation      string `json:"evaluation"`
	Reason          string `json:"reason,omitempty"`
	Message         string `json:"message"`
	AuditAnnotation bool   `json:"auditAnnotation,omitempty"`
}

type admissionResult struct {
	Allowed          bool              `json:"allowed"`
	Status           *admissionStatus  `json:"status,omitempty"`
	Warnings         []string          `json:"warnings"`
	AuditAnnotations map[string]string `json:"auditAnnotations"`
	Failures         []failure         `json:"failures"`
	// DecodeWarnings are strict-decoding findings for object/oldObject
	// (unknown or duplicate fields); the API server drops unknown fields.
	DecodeWarnings []string `json:"decodeWarnings,omitempty"`
	Error          string   `json:"error,omitempty"`
}

const validationFailureKey = "validation.policy.admission.k8s.io/validation_failure"

// strictDeserializer is the client-go scheme's universal deserializer in
// strict mode: it decodes as the non-strict one does and reports unknown and
// duplicate fields as a StrictDecodingError alongside the object.
var strictDeserializer = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// callLog is shared by the matcher and evaluator wrappers of one Dispatch
// call. The dispatcher runs, per policy and binding, BindingMatches then (if
// it matched) Evaluator.Validate, sequentially, so the binding that last
// matched is the one a Validate call is for.
type callLog struct {
	binding  string
	failures []failure
	bindings map[string]*admissionregistrationv1.ValidatingAdmissionPolicyBinding
}

// recordingMatcher is the real PolicyMatcher, passed through, noting the
// binding whose match is being decided.
type recordingMatcher struct {
	generic.PolicyMatcher
	log *callLog
}

func (m *recordingMatcher) BindingMatches(a admission.Attributes, o admission.ObjectInterfaces, b generic.BindingAccessor) (bool, error) {
	ok, err := m.PolicyMatcher.BindingMatches(a, o, b)
	m.log.binding = b.GetName()
	return ok, err
}

// recordingValidator is the policy's validator, passed through, keeping the
// decisions the dispatcher will act on.
type recordingValidator struct {
	p   *policy
	log *callLog
}

func (v *recordingValidator) CompileError() error { return v.p.validator.CompileError() }

func (v *recordingValidator) Validate(ctx context.Context, matchedResource schema.GroupVersionResource, versionedAttr *admission.VersionedAttributes, versionedParams runtime.Object, namespace *corev1.Namespace, budget int64, authz authorizer.UnconditionalAuthorizer) validating.ValidateResult {
	v.p.rec.reset()
	vr := v.p.validator.Validate(ctx, matchedResource, versionedAttr, versionedParams, namespace, budget, authz)
	rec := v.p.rec
	perValidation := rec.validations != nil && rec.validations.called && rec.validations.err == nil && len(vr.Decisions) == len(v.p.obj.Spec.Validations)
	var actions []admissionregistrationv1.ValidationAction
	if b := v.log.bindings[v.log.binding]; b != nil {
		actions = b.Spec.ValidationActions
	}
	for i, d := range vr.Decisions {
		if d.Action != validating.ActionDeny {
			continue
		}
		f := failure{Policy: v.p.obj.Name, Binding: v.log.binding, ExpressionIndex: i, Validation: i, Actions: actions,
			Evaluation: string(d.Evaluation), Reason: string(d.Reason), Message: d.Message}
		if !perValidation {
			f.Validation = -1
		}
		v.log.failures = append(v.log.failures, f)
	}
	for i, a := range vr.AuditAnnotations {
		if a.Action == validating.AuditAnnotationActionError {
			v.log.failures = append(v.log.failures, failure{Policy: v.p.obj.Name, Binding: v.log.binding, ExpressionIndex: i, Validation: -1,
				Actions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}, Evaluation: string(validating.EvalError),
				Message: a.Error, AuditAnnotation: true})
		}
	}
	return vr
}

// dispatchPlugin is the admission plugin's outer shell: it handles the
// operations the validating policy plugin handles and hands every request to
// the dispatcher with all hooks. It is wrapped in admission.WithAudit, which
// is how the API server copies the annotations the dispatcher adds to the
// attributes record into the request's audit event.
type dispatchPlugin struct {
	*admission.Handler
	dispatcher generic.Dispatcher[validating.PolicyHook]
	hooks      []validating.PolicyHook
}

func (d *dispatchPlugin) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	return d.dispatcher.Dispatch(ctx, a, o, d.hooks)
}

type warningRecorder struct{ warnings []string }

func (w *warningRecorder) AddWarning(agent, text string) { w.warnings = append(w.warnings, text) }

// dispatcher builds the hooks as the plugin's policy source does: one per
// policy that at least one binding names, with those bindings in input order.
type dispatcher struct {
	h      *harness
	log    *callLog
	plugin admission.ValidationInterface
}

func newDispatcher(h *harness, bindings []json.RawMessage) *dispatcher {
	log := &callLog{bindings: map[string]*admissionregistrationv1.ValidatingAdmissionPolicyBinding{}}
	byPolicy := map[string][]*admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	for _, raw := range bindings {
		var b admissionregistrationv1.ValidatingAdmissionPolicyBinding
		// Strict findings are reported by checkBinding; unknown fields are dropped here as the API server does.
		if _, err := sigsjson.UnmarshalStrict(raw, &b, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields); err != nil {
			continue
		}
		if b.Spec.MatchResources != nil {
			defaultMatchResources(b.Spec.MatchResources)
		}
		log.bindings[b.Name] = &b
		byPolicy[b.Spec.PolicyName] = append(byPolicy[b.Spec.PolicyName], &b)
	}
	var hooks []validating.PolicyHook
	for _, p := range h.policies {
		if p.obj == nil || len(byPolicy[p.obj.Name]) == 0 {
			continue
		}
		hook := validating.PolicyHook{
			Policy:    withMatchDefaults(p.obj),
			Bindings:  byPolicy[p.obj.Name],
			Evaluator: &recordingValidator{p: p, log: log},
		}
		if pk := p.obj.Spec.ParamKind; pk != nil {
			// No param resources exist here: what the policy source reports
			// when the REST mapping for the paramKind cannot be found.
			gv, _ := schema.ParseGroupVersion(pk.APIVersion)
			hook.ConfigurationError = fmt.Errorf("failed to find resource referenced by paramKind: '%v'", gv.WithKind(pk.Kind))
		}
		delete(byPolicy, p.obj.Name) // a policy name given twice: the first one
		hooks = append(hooks, hook)
	}
	// Our policies do not use the authorizer variable; an always-allow
	// authorizer keeps an expression that does from reaching a nil authorizer.
	d := validating.NewDispatcher(authorizerfactory.NewAlwaysAllowAuthorizer(), &recordingMatcher{PolicyMatcher: h.matcher, log: log})
	plugin := &dispatchPlugin{
		Handler:    admission.NewHandler(admission.Connect, admission.Create, admission.Delete, admission.Update),
		dispatcher: d,
		hooks:      hooks,
	}
	return &dispatcher{h: h, log: log, plugin: admission.WithAudit(plugin).(admission.ValidationInterface)}
}

// defaultMatchResources is the API server's SetDefaults_MatchResources.
func defaultMatchResources(m *admissionregistrationv1.MatchResources) {
	if m.MatchPolicy == nil {
		eq := admissionregistrationv1.Equivalent
		m.MatchPolicy = &eq
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
}

func (d *dispatcher) dispatch(raw json.RawMessage) admissionResult {
	res := admissionResult{Warnings: []string{}, AuditAnnotations: map[string]string{}, Failures: []failure{}}
	attrs, decodeWarnings, err := d.attributes(raw)
	res.DecodeWarnings = decodeWarnings
	if err != nil {
		res.Error = err.Error()
		return res
	}

	ctx := audit.WithAuditContext(context.Background())
	if err := audit.AuditContextFrom(ctx).Init(audit.RequestAuditConfig{Level: auditinternal.LevelMetadata}, nil); err != nil {
		res.Error = err.Error()
		return res
	}
	warnings := &warningRecorder{}
	ctx = warning.WithWarningRecorder(ctx, warnings)

	d.log.binding, d.log.failures = "", nil
	err = d.plugin.Validate(ctx, attrs, d.h.objIfaces)
	res.Allowed = err == nil
	if err != nil {
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			s := st.Status()
			res.Status = &admissionStatus{Code: s.Code, Reason: string(s.Reason), Message: s.Message}
		} else {
			res.Status = &admissionStatus{Code: 500, Reason: string(metav1.StatusReasonInternalError), Message: err.Error()}
		}
	}
	if warnings.warnings != nil {
		res.Warnings = warnings.warnings
	}
	for k, v := range audit.AuditContextFrom(ctx).GetEventAnnotations() {
		res.AuditAnnotations[k] = v
	}
	if d.log.failures != nil {
		res.Failures = d.log.failures
	}
	if msg := checkAuditFailures(res.AuditAnnotations[validationFailureKey], res.Failures); msg != "" {
		res.Error = msg
	}
	return res
}

// checkAuditFailures compares the dispatcher's validation_failure annotation
// (published for Audit bindings only) with the recorded failures under Audit.
func checkAuditFailures(annotation string, failures []failure) string {
	var want []validating.ValidationFailureValue
	for _, f := range failures {
		if f.AuditAnnotation {
			continue
		}
		for _, a := range f.Actions {
			if a == admissionregistrationv1.Audit {
				want = append(want, validating.ValidationFailureValue{Message: f.Message, Policy: f.Policy, Binding: f.Binding,
					ExpressionIndex: f.ExpressionIndex, ValidationActions: f.Actions})
				break
			}
		}
	}
	if len(want) > 50 { // the dispatcher's maxValidationFailures
		want = want[:50]
	}
	var got []validating.ValidationFailureValue
	if annotation != "" {
		if err := json.Unmarshal([]byte(annotation), &got); err != nil {
			return fmt.Sprintf("harness: unreadable %s annotation: %v", validationFailureKey, err)
		}
	}
	if len(got) == 0 && len(want) == 0 {
		return ""
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("harness: recorded Audit failures %+v differ from the dispatcher's %s annotation %s", want, validationFailureKey, annotation)
	}
	return ""
}

// attributes builds the admission attributes record the API server would
// hand to the validating admission plugins for this AdmissionRequest.
func (d *dispatcher) attributes(raw json.RawMessage) (admission.Attributes, []string, error) {
	var req admissionv1.AdmissionRequest
	strictErrs, err := sigsjson.UnmarshalStrict(raw, &req, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, nil, fmt.Errorf("admission request: %w", err)
	}
	if len(strictErrs) > 0 {
		return nil, nil, fmt.Errorf("admission request: %w", errors.Join(strictErrs...))
	}
	gvk := schema.GroupVersionKind{Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind}
	gvr := schema.GroupVersionResource{Group: req.Resource.Group, Version: req.Resource.Version, Resource: req.Resource.Resource}
	var warnings []string
	obj, w, err := decodeObject(req.Object.Raw, gvk, req.Namespace)
	warnings = append(warnings, w...)
	if err != nil {
		return nil, warnings, fmt.Errorf("object: %w", err)
	}
	oldObj, w, err := decodeObject(req.OldObject.Raw, gvk, req.Namespace)
	for _, x := range w {
		warnings = append(warnings, "oldObject: "+x)
	}
	if err != nil {
		return nil, warnings, fmt.Errorf("oldObject: %w", err)
	}

	op := admission.Operation(req.Operation)
	var opts runtime.Object
	switch op {
	case admission.Create:
		opts = &metav1.CreateOptions{}
	case admission.Update:
		opts = &metav1.UpdateOptions{}
	case admission.Delete:
		opts = &metav1.DeleteOptions{}
	case admission.Connect:
	default:
		return nil, warnings, fmt.Errorf("operation %q: want CREATE, UPDATE, DELETE or CONNECT", req.Operation)
	}
	if opts != nil {
		if o := req.Options.Raw; len(o) > 0 && !bytes.Equal(bytes.TrimSpace(o), []byte("null")) {
			if _, err := sigsjson.UnmarshalStrict(o, opts, sigsjson.DisallowDuplicateFields); err != nil {
				return nil, warnings, fmt.Errorf("options: %w", err)
			}
		}
		// As the API server's handlers pass them: meta.k8s.io/v1 with TypeMeta set.
		opts.GetObjectKind().SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind(reflect.TypeOf(opts).Elem().Name()))
	} else if o := req.Options.Raw; len(o) > 0 && !bytes.Equal(bytes.TrimSpace(o), []byte("null")) {
		// CONNECT: the connect options object (PodExecOptions, ...).
		if opts, _, err = decodeObject(o, schema.GroupVersionKind{}, ""); err != nil {
			return nil, warnings, fmt.Errorf("options: %w", err)
		}
	}

	isNamespace := gvk.Group == "" && gvk.Version == "v1" && gvk.Kind == "Namespace"
	if req.Namespace != "" && !isNamespace {
		if _, err := d.h.ensureNamespace(req.Namespace); err != nil {
			return nil, warnings, err
		}
	}
	dryRun := req.DryRun != nil && *req.DryRun
	u := &user.DefaultInfo{Name: req.UserInfo.Username, UID: req.UserInfo.UID, Groups: req.UserInfo.Groups}
	if len(req.UserInfo.Extra) > 0 {
		u.Extra = map[string][]string{}
		for k, v := range req.UserInfo.Extra {
			u.Extra[k] = []string(v)
		}
	}
	return admission.NewAttributesRecord(obj, oldObj, gvk, req.Namespace, req.Name, gvr, req.SubResource, op, opts, dryRun, u), warnings, nil
}

// decodeObject decodes an object of an admission request: a v1 Pod as
// decodePod does, anything else with the client-go scheme's universal
// deserializer (kinds it does not know as unstructured). The API server's
// volume defaulting is applied to pods and pod templates, and an unset
// metadata.namespace is filled from the request, as the API server does.
func decodeObject(raw []byte, want schema.GroupVersionKind, namespace string) (runtime.Object, []string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil, nil
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, nil, err
	}
	gvk := tm.GroupVersionKind()
	var obj runtime.Object
	var warnings []string
	if gvk == corev1.SchemeGroupVersion.WithKind("Pod") {
		p := decodePod(raw)
		if p.err != nil {
			return nil, p.warnings, p.err
		}
		obj, warnings = p.pod, p.warnings
	} else {
		o, actual, err := strictDeserializer.Decode(raw, nil, nil)
		switch {
		case err != nil && runtime.IsStrictDecodingError(err):
			for _, e := range err.(interface{ Errors() []error }).Errors() {
				warnings = append(warnings, e.Error())
			}
		case err != nil && runtime.IsNotRegisteredError(err):
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(raw); err != nil {
				return nil, nil, err
			}
			o, actual = u, &gvk
		case err != nil:
			return nil, nil, err
		}
		o.GetObjectKind().SetGroupVersionKind(*actual)
		obj, gvk = o, *actual
	}
	if !want.Empty() && gvk != want {
		return nil, warnings, fmt.Errorf("is %s but the request's kind is %s", gvk, want)
	}
	defaultVolumes(obj)
	if namespace != "" && !(gvk.Group == "" && gvk.Kind == "Namespace") {
		if m, err := meta.Accessor(obj); err == nil && m.GetNamespace() == "" {
			m.SetNamespace(namespace)
		}
	}
	return obj, warnings, nil
}

// defaultVolumes is the one API server defaulting the project applies
// everywhere (SetDefaults_Volume): a volume with no source becomes emptyDir.
func defaultVolumes(obj runtime.Object) {
	var spec *corev1.PodSpec
	switch o := obj.(type) {
	case *corev1.Pod:
		spec = &o.Spec
	case *corev1.PodTemplate:
		spec = &o.Template.Spec
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			spec = &o.Spec.Template.Spec
		}
	case *appsv1.Deployment:
		spec = &o.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		spec = &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		spec = &o.Spec.Template.Spec
	case *appsv1.DaemonSet:
		spec = &o.Spec.Template.Spec
	case *batchv1.Job:
		spec = &o.Spec.Template.Spec
	case *batchv1.CronJob:
		spec = &o.Spec.JobTemplate.Spec.Template.Spec
	}
	if spec == nil {
		return
	}
	for i := range spec.Volumes {
		src := reflect.ValueOf(&spec.Volumes[i].VolumeSource).Elem()
		empty := true
		for f := 0; f < src.NumField(); f++ {
			if src.Field(f).Kind() == reflect.Pointer && !src.Field(f).IsNil() {
				empty = false
				break
			}
		}
		if empty {
			spec.Volumes[i].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
		}
	}
}
