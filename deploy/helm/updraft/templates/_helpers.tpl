{{/* Common labels (KEDA chart style: app.kubernetes.io/* plus additionalLabels). */}}
{{- define "updraft.labels" -}}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "updraft.operator.selectorLabels" -}}
app: {{ .Values.operator.name }}
app.kubernetes.io/name: {{ .Values.operator.name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "updraft.image" -}}
{{- $img := .Values.image.updraft -}}
{{- $tag := default .Chart.AppVersion $img.tag -}}
{{- if $img.registry }}{{ printf "%s/%s:%s" $img.registry $img.repository $tag }}{{ else }}{{ printf "%s:%s" $img.repository $tag }}{{ end -}}
{{- end -}}

{{/*
The operator ServiceAccount: today's serviceAccount.operator.* keys, or the KEDA chart's legacy flat
serviceAccount.create/name/annotations (EKS guides: serviceAccount.create=false + serviceAccount.name, or
serviceAccount.annotations."eks.amazonaws.com/role-arn"). A flat key that is set wins over serviceAccount.operator.*
(kedacore/charts keda/templates/manager/serviceaccount.yaml reads both).
*/}}
{{- define "updraft.serviceAccountName" -}}
{{- $sa := .Values.serviceAccount -}}
{{- if $sa.name }}{{ $sa.name }}{{ else }}{{ ($sa.operator).name | default "updraft-operator" }}{{ end -}}
{{- end -}}

{{- define "updraft.serviceAccountCreate" -}}
{{- $sa := .Values.serviceAccount -}}
{{- if hasKey $sa "create" }}{{ if $sa.create }}true{{ end }}{{ else if ($sa.operator).create }}true{{ end -}}
{{- end -}}

{{/* Flat serviceAccount.annotations merged over serviceAccount.operator.annotations, as YAML ("" when none). */}}
{{- define "updraft.serviceAccountAnnotations" -}}
{{- $a := merge (dict) (.Values.serviceAccount.annotations | default dict) ((.Values.serviceAccount.operator).annotations | default dict) -}}
{{- if $a }}{{ toYaml $a }}{{ end -}}
{{- end -}}

{{/* A per-component value (operator.<key>) or else the chart-wide one (<key>), as the KEDA chart does. */}}
{{- define "updraft.operatorOr" -}}
{{- $ctx := index . 0 -}}{{- $key := index . 1 -}}
{{- $v := index ($ctx.Values.operator | default dict) $key | default (index $ctx.Values $key) -}}
{{- if $v }}{{ toYaml $v }}{{ end -}}
{{- end -}}

{{/* The APIService is registered only for mode hpa (or when forced), so direct mode can run beside another adapter. */}}
{{- define "updraft.apiServiceEnabled" -}}
{{- if and .Values.metricsServer.enabled (ne .Values.metricsServer.registerAPIService false) (or (ne .Values.mode "direct") .Values.metricsServer.forceAPIService) -}}true{{- end -}}
{{- end -}}

{{/* DNS names of the services the serving certificate must cover. */}}
{{- define "updraft.certDNSNames" -}}
{{- $ns := .Release.Namespace -}}
{{- $names := list -}}
{{- range $svc := list .Values.metricsServer.name .Values.webhooks.name .Values.operator.name -}}
{{- $names = append $names $svc -}}
{{- $names = append $names (printf "%s.%s" $svc $ns) -}}
{{- $names = append $names (printf "%s.%s.svc" $svc $ns) -}}
{{- $names = append $names (printf "%s.%s.svc.%s" $svc $ns $.Values.clusterDomain) -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* The Secret holding the OTLP receiver's bearer token: otlpReceiver.existingSecret, else the chart's own when otlpReceiver.token is set; empty = no authentication. */}}
{{- define "updraft.otlpTokenSecret" -}}
{{- if .Values.otlpReceiver.existingSecret -}}{{ .Values.otlpReceiver.existingSecret }}{{- else if .Values.otlpReceiver.token -}}{{ .Values.operator.name }}-otlp-token{{- end -}}
{{- end -}}
