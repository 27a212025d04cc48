// Command admission is the admission oracle of pss-compile's conformance tests:
// it runs whole admission requests through upstream Pod Security Admission's
// own admission code (k8s.io/pod-security-admission/admission, (*Admission).Validate),
// wired as kube-apiserver's in-tree PodSecurity plugin wires it, and copies the
// response out. Nothing about PSA is re-implemented here.
//
// stdin: {"configs": ["<PodSecurityConfiguration YAML/JSON>", ...],
//
//	"cases": [{"config": i, "namespaces": [<v1 Namespace>...], "request": <admission.k8s.io/v1 AdmissionRequest>}]}
//
// stdout: {"configs": [{} | {"error": "..."}],
//
//	"results": [{"evaluated", "skipped", "allowed", "status": {"code", "reason", "message"},
//	             "warnings", "auditAnnotations", "modes": {"enforce"|"warn"|"audit": {"policy", "checks"}}, "error"}]}
//
// Configs are loaded with upstream's loader (load.LoadFromData: defaulting and
// validation); an empty config text is upstream's default configuration.
//
// Like the in-tree plugin, only CREATE and UPDATE of pods, namespaces and the
// resources DefaultPodSpecExtractor knows are evaluated; anything else is
// reported as {"evaluated": false, "allowed": true, "skipped": "<why>"}.
//
// Objects are decoded as the webhook decodes them (a universal deserializer over
// core/v1, apps/v1, batch/v1, admission/v1; no defaulting), except for the one
// API-server default the project applies everywhere: a volume with no volume
// source becomes emptyDir: {} (in the pod, or in a workload's pod template).
//
// "modes" lists, for each mode whose message appears in the response (enforce:
// the denial message; warn: a "would violate PodSecurity" warning; audit: the
// audit-violations annotation), the IDs of the checks that failed. They come
// from the pod(-spec) PSA actually evaluated, recorded at the Evaluator
// interface, re-run through an evaluator built by policy.NewEvaluator over
// policy.DefaultChecks() whose check functions also note their check ID. The
// re-run must reproduce the recorded results and the aggregate text must match
// the message; otherwise the case gets an "error".
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/klog/v2"
	psadmission "k8s.io/pod-security-admission/admission"
	"k8s.io/pod-security-admission/admission/api/load"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/metrics"
	"k8s.io/pod-security-admission/policy"
)

// The webhook's scheme (k8s.io/pod-security-admission/cmd/webhook/server/scheme.go).
var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

func init() {
	utilruntime.Must(corev1.AddToScheme(scheme))
	utilruntime.Must(appsv1.AddToScheme(scheme))
	utilruntime.Must(batchv1.AddToScheme(scheme))
	utilruntime.Must(admissionv1.AddToScheme(scheme))
}

type input struct {
	// ConfigFiles selects the config-file mode (configfile.go); the rest is then ignored
	ConfigFiles []string `json:"configFiles"`
	Configs     []string `json:"configs"`
	Cases       []struct {
		Config     int               `json:"config"`
		Namespaces []json.RawMessage `json:"namespaces"`
		Request    json.RawMessage   `json:"request"`
	} `json:"cases"`
}

type configResult struct {
	Error string `json:"error,omitempty"`
}

type status struct {
	Code    int32  `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type modeResult struct {
	Policy string   `json:"policy"`
	Checks []string `json:"checks"`
}

type result struct {
	Evaluated        bool                  `json:"evaluated"`
	Skipped          string                `json:"skipped,omitempty"`
	Allowed          bool                  `json:"allowed"`
	Status           *status               `json:"status,omitempty"`
	Warnings         []string              `json:"warnings,omitempty"`
	AuditAnnotations map[string]string     `json:"auditAnnotations,omitempty"`
	Modes            map[string]modeResult `json:"modes,omitempty"`
	Error            string                `json:"error,omitempty"`
}

func main() {
	// upstream logs decode/lookup failures through klog; they are in the response already
	klog.SetLogger(logr.Discard())
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "admission:", err)
		os.Exit(2)
	}
}

func run() error {
	var in input
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&in); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	if in.ConfigFiles != nil {
		return runConfigFiles(in.ConfigFiles)
	}
	ids, err := newIDEvaluator()
	if err != nil {
		return err
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	rec := &recordingEvaluator{delegate: evaluator}
	getter := &namespaceGetter{}

	admissions := make([]*psadmission.Admission, len(in.Configs))
	configErrs := make([]string, len(in.Configs))
	configResults := make([]configResult, len(in.Configs))
	for i, text := range in.Configs {
		a, err := newAdmission([]byte(text), rec, getter)
		if err != nil {
			configErrs[i] = err.Error()
			configResults[i] = configResult{Error: err.Error()}
			continue
		}
		admissions[i] = a
	}

	decoder := defaultingDecoder{codecs.UniversalDeserializer()}
	results := make([]result, 0, len(in.Cases))
	for _, c := range in.Cases {
		switch {
		case c.Config < 0 || c.Config >= len(in.Configs):
			results = append(results, result{Error: fmt.Sprintf("config: index %d out of range", c.Config)})
		case configErrs[c.Config] != "":
			results = append(results, result{Error: "config: " + configErrs[c.Config]})
		default:
			results = append(results, runCase(admissions[c.Config], getter, rec, ids, decoder, c.Namespaces, c.Request))
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	return json.NewEncoder(out).Encode(map[string]any{"configs": configResults, "results": results})
}

// newAdmission sets up upstream's Admission as the in-tree plugin does
// (newPlugin + ValidateInitialization).
func newAdmission(config []byte, evaluator policy.Evaluator, getter psadmission.NamespaceGetter) (*psadmission.Admission, error) {
	cfg, err := load.LoadFromData(config)
	if err != nil {
		return nil, err
	}
	a := &psadmission.Admission{
		Configuration:    cfg,
		Evaluator:        evaluator,
		Metrics:          noopRecorder{},
		PodSpecExtractor: psadmission.DefaultPodSpecExtractor{},
		NamespaceGetter:  getter,
		PodLister:        noPods{},
	}
	if err := a.CompleteConfiguration(); err != nil {
		return nil, fmt.Errorf("configuration error: %w", err)
	}
	if err := a.ValidateConfiguration(); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	return a, nil
}

// applicableResources as in the in-tree plugin (plugin/pkg/admission/security/podsecurity).
var applicableResources = map[schema.GroupResource]bool{
	corev1.Resource("pods"):       true,
	corev1.Resource("namespaces"): true,
}

func runCase(a *psadmission.Admission, getter *namespaceGetter, rec *recordingEvaluator, ids *idEvaluator,
	decoder runtime.Decoder, namespaces []json.RawMessage, rawRequest json.RawMessage) result {
	// the request, decoded as the webhook decodes the AdmissionReview around it
	review := append([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":`), rawRequest...)
	review = append(review, '}')
	obj, _, err := codecs.UniversalDeserializer().Decode(review, nil, nil)
	if err != nil {
		return result{Error: fmt.Sprintf("request: %v", err)}
	}
	req := obj.(*admissionv1.AdmissionReview).Request
	if req == nil {
		return result{Error: "request: missing"}
	}

	getter.namespaces = map[string]*corev1.Namespace{}
	nsKind := corev1.SchemeGroupVersion.WithKind("Namespace")
	for i, raw := range namespaces {
		obj, _, err := codecs.UniversalDeserializer().Decode(raw, &nsKind, nil)
		if err != nil {
			return result{Error: fmt.Sprintf("namespaces[%d]: %v", i, err)}
		}
		ns, ok := obj.(*corev1.Namespace)
		if !ok {
			return result{Error: fmt.Sprintf("namespaces[%d]: not a Namespace but %T", i, obj)}
		}
		getter.namespaces[ns.Name] = ns
	}

	// admission.NewHandler(admission.Create, admission.Update)
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return result{Allowed: true, Skipped: fmt.Sprintf("operation %s is not handled by the PodSecurity plugin", req.Operation)}
	}
	gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
	if !applicableResources[gr] && !a.PodSpecExtractor.HasPodSpec(gr) {
		return result{Allowed: true, Skipped: fmt.Sprintf("resource %s is not handled by the PodSecurity plugin", gr)}
	}

	rec.calls = nil
	resp := a.Validate(context.Background(), api.RequestAttributes(req, decoder))
	res := result{
		Evaluated:        true,
		Allowed:          resp.Allowed,
		Warnings:         resp.Warnings,
		AuditAnnotations: resp.AuditAnnotations,
	}
	if !resp.Allowed && resp.Result != nil {
		res.Status = &status{Code: resp.Result.Code, Reason: string(resp.Result.Reason), Message: resp.Result.Message}
	}

	var problems []string
	addMode := func(mode, text, prefix string) {
		lv, detail, ok := splitMessage(text, prefix)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: cannot parse %q", mode, text))
			return
		}
		checks, err := failingChecks(rec, ids, lv, detail)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", mode, err))
		}
		if res.Modes == nil {
			res.Modes = map[string]modeResult{}
		}
		res.Modes[mode] = modeResult{Policy: lv, Checks: checks}
	}
	if !resp.Allowed && resp.Result != nil && resp.Result.Reason == metav1.StatusReasonForbidden &&
		strings.Contains(resp.Result.Message, enforcePrefix) {
		addMode("enforce", resp.Result.Message, enforcePrefix)
	}
	for _, w := range resp.Warnings {
		if strings.HasPrefix(w, warnPrefix) {
			if _, seen := res.Modes["warn"]; seen {
				problems = append(problems, "warn: more than one warning")
			}
			addMode("warn", w, warnPrefix)
		}
	}
	if v, ok := resp.AuditAnnotations[api.AuditViolationsAnnotationKey]; ok {
		addMode("audit", v, warnPrefix)
	}
	if len(problems) > 0 {
		res.Error = strings.Join(problems, "; ")
	}
	return res
}

const (
	enforcePrefix = `violates PodSecurity "`      // in `<resource> "<name>" is forbidden: violates PodSecurity "<lv>": <detail>`
	warnPrefix    = `would violate PodSecurity "` // warnings and the audit-violations annotation
)

// splitMessage returns the "<level>:<version>" and the aggregate text of a PSA message.
func splitMessage(text, prefix string) (string, string, bool) {
	i := strings.Index(text, prefix)
	if i < 0 {
		return "", "", false
	}
	rest := text[i+len(prefix):]
	j := strings.Index(rest, `": `)
	if j < 0 {
		return "", "", false
	}
	return rest[:j], rest[j+3:], true
}

// failingChecks lists the IDs of the checks that failed in PSA's evaluation at
// lv, and checks that they account for exactly the aggregate text of the message.
func failingChecks(rec *recordingEvaluator, ids *idEvaluator, lv, detail string) ([]string, error) {
	var call *evaluation
	for i := range rec.calls {
		if rec.calls[i].lv.String() == lv {
			call = &rec.calls[i]
			break
		}
	}
	if call == nil {
		return []string{}, fmt.Errorf("no evaluation at %s was recorded", lv)
	}
	agg := policy.AggregateCheckResults(call.results)
	if got := agg.ForbiddenDetail(); got != detail {
		return []string{}, fmt.Errorf("the aggregate of the recorded results %q differs from the message %q", got, detail)
	}
	rerun := ids.evaluate(call.lv, call.meta, call.spec)
	if len(rerun) != len(call.results) {
		return []string{}, fmt.Errorf("re-evaluation gave %d results, PSA's %d", len(rerun), len(call.results))
	}
	checks := []string{}
	for i, r := range rerun {
		if !reflect.DeepEqual(r.result, call.results[i]) {
			return []string{}, fmt.Errorf("re-evaluation of %s differs: %+v vs %+v", r.id, r.result, call.results[i])
		}
		if !r.result.Allowed {
			checks = append(checks, string(r.id))
		}
	}
	return checks, nil
}

// recordingEvaluator passes evaluations through to upstream's evaluator and
// keeps what was evaluated, so the checks behind a message can be named.
type recordingEvaluator struct {
	delegate policy.Evaluator
	calls    []evaluation
}

type evaluation struct {
	lv      api.LevelVersion
	meta    *metav1.ObjectMeta
	spec    *corev1.PodSpec
	results []policy.CheckResult
}

func (r *recordingEvaluator) EvaluatePod(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []policy.CheckResult {
	results := r.delegate.EvaluatePod(lv, meta, spec)
	r.calls = append(r.calls, evaluation{lv, meta, spec, results})
	return results
}

// idEvaluator is upstream's evaluator over policy.DefaultChecks() whose check
// functions also note their ID: which checks run at a level and version, in
// which order, is still decided by policy.NewEvaluator.
type idEvaluator struct {
	evaluator policy.Evaluator
	noted     []idResult
}

type idResult struct {
	id     policy.CheckID
	result policy.CheckResult
}

func newIDEvaluator() (*idEvaluator, error) {
	e := &idEvaluator{}
	checks := policy.DefaultChecks()
	for i := range checks {
		id := checks[i].ID
		versions := make([]policy.VersionedCheck, len(checks[i].Versions))
		copy(versions, checks[i].Versions)
		for j := range versions {
			fn := versions[j].CheckPod
			versions[j].CheckPod = func(meta *metav1.ObjectMeta, spec *corev1.PodSpec) policy.CheckResult {
				r := fn(meta, spec)
				e.noted = append(e.noted, idResult{id, r})
				return r
			}
		}
		checks[i].Versions = versions
	}
	evaluator, err := policy.NewEvaluator(checks, nil)
	if err != nil {
		return nil, err
	}
	e.evaluator = evaluator
	return e, nil
}

func (e *idEvaluator) evaluate(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []idResult {
	e.noted = nil
	results := e.evaluator.EvaluatePod(lv, meta, spec)
	if len(results) != len(e.noted) {
		return nil
	}
	return e.noted
}

// defaultingDecoder decodes like the webhook, then applies the API server's
// volume default (SetDefaults_Volume: a volume with no source is an emptyDir)
// to the pod spec that DefaultPodSpecExtractor finds in the object.
type defaultingDecoder struct {
	runtime.Decoder
}

func (d defaultingDecoder) Decode(data []byte, gvk *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, actual, err := d.Decoder.Decode(data, gvk, into)
	if err != nil {
		return obj, actual, err
	}
	if _, spec, err := (psadmission.DefaultPodSpecExtractor{}).ExtractPodSpec(obj); err == nil && spec != nil {
		for i := range spec.Volumes {
			if reflect.DeepEqual(spec.Volumes[i].VolumeSource, corev1.VolumeSource{}) {
				spec.Volumes[i].VolumeSource.EmptyDir = &corev1.EmptyDirVolumeSource{}
			}
		}
	}
	return obj, actual, nil
}

// namespaceGetter knows the case's namespaces; others are NotFound, as the API gives.
type namespaceGetter struct {
	namespaces map[string]*corev1.Namespace
}

func (g *namespaceGetter) GetNamespace(_ context.Context, name string) (*corev1.Namespace, error) {
	if ns, ok := g.namespaces[name]; ok {
		return ns, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("namespaces"), name)
}

// noPods is the pod lister: no existing pods (namespace updates then warn about none).
type noPods struct{}

func (noPods) ListPods(context.Context, string) ([]*corev1.Pod, error) { return nil, nil }

type noopRecorder struct{}

func (noopRecorder) RecordEvaluation(metrics.Decision, api.LevelVersion, metrics.Mode, api.Attributes) {
}
func (noopRecorder) RecordExemption(api.Attributes)   {}
func (noopRecorder) RecordError(bool, api.Attributes) {}
