# The operator's AWS identity for Updraft on an existing EKS cluster: the cluster's IAM OIDC provider, the IRSA
# role for the chart's ServiceAccount (keda/updraft-operator) with the exact `sub` and `aud` conditions, the
# permissions per trigger type, and — with use_pod_identity = true — an EKS Pod Identity association instead.
#   terraform init && terraform apply -var cluster_name=updraft-demo -var account_id=ACCOUNT_ID
# Then: helm install updraft deploy/helm/updraft -n keda --create-namespace \
#         --set podIdentity.aws.irsa.enabled=true --set podIdentity.aws.irsa.roleArn=$(terraform output -raw operator_role_arn)
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.40" }
    tls = { source = "hashicorp/tls", version = ">= 4.0" }
  }
}

variable "cluster_name" { type = string }
variable "account_id" { type = string }
variable "region" {
  type    = string
  default = "us-west-2"
}
# The Helm release namespace and the chart's serviceAccount.operator.name.
variable "namespace" {
  type    = string
  default = "keda"
}
variable "service_account" {
  type    = string
  default = "updraft-operator"
}
variable "use_pod_identity" {
  type    = bool
  default = false
}
variable "queue_name" {
  type    = string
  default = "app-queue"
}
variable "amp_workspace_id" {
  type    = string
  default = "WORKSPACE_ID"
}

provider "aws" { region = var.region }

data "aws_eks_cluster" "this" { name = var.cluster_name }

locals {
  issuer = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
  # oidc.eks.<region>.amazonaws.com/id/<id>: the condition key prefix.
  oidc = replace(local.issuer, "https://", "")
}

# --- IRSA: the cluster's OIDC provider (skip if `eksctl utils associate-iam-oidc-provider` already made it) ---
data "tls_certificate" "oidc" {
  count = var.use_pod_identity ? 0 : 1
  url   = local.issuer
}

resource "aws_iam_openid_connect_provider" "eks" {
  count           = var.use_pod_identity ? 0 : 1
  url             = local.issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.oidc[0].certificates[0].sha1_fingerprint]
}

data "aws_iam_policy_document" "trust" {
  dynamic "statement" {
    for_each = var.use_pod_identity ? [] : [1]
    content {
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = [aws_iam_openid_connect_provider.eks[0].arn]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.oidc}:sub"
        values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.oidc}:aud"
        values   = ["sts.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.use_pod_identity ? [1] : []
    content {
      effect  = "Allow"
      actions = ["sts:AssumeRole", "sts:TagSession"]
      principals {
        type        = "Service"
        identifiers = ["pods.eks.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "operator" {
  name               = "updraft-operator"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

# --- What the operator calls, per trigger type of the walkthroughs (docs/eks.md lists every type) ---
data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "SqsQueueDepth" # aws-sqs-queue: GetQueueAttributes
    actions   = ["sqs:GetQueueAttributes"]
    resources = ["arn:aws:sqs:${var.region}:${var.account_id}:${var.queue_name}"]
  }
  statement {
    sid       = "CloudWatchMetrics" # aws-cloudwatch: GetMetricData (no resource-level permissions)
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }
  statement {
    sid       = "ManagedPrometheusQueries" # prometheus with SigV4 (service aps): GET /api/v1/query
    actions   = ["aps:QueryMetrics"]
    resources = ["arn:aws:aps:${var.region}:${var.account_id}:workspace/${var.amp_workspace_id}"]
  }
}

resource "aws_iam_role_policy" "operator" {
  name   = "updraft-triggers"
  role   = aws_iam_role.operator.id
  policy = data.aws_iam_policy_document.operator.json
}

# --- EKS Pod Identity alternative (needs the eks-pod-identity-agent add-on) ---
resource "aws_eks_addon" "pod_identity_agent" {
  count        = var.use_pod_identity ? 1 : 0
  cluster_name = var.cluster_name
  addon_name   = "eks-pod-identity-agent"
}

resource "aws_eks_pod_identity_association" "operator" {
  count           = var.use_pod_identity ? 1 : 0
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = var.service_account
  role_arn        = aws_iam_role.operator.arn
}

output "operator_role_arn" { value = aws_iam_role.operator.arn }
