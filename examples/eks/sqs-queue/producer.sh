#!/bin/sh
# The walkthrough's load: 500 send-message calls (AWS CLI v2, your own credentials; needs sqs:SendMessage).
#   ./producer.sh [count]        QUEUE_URL defaults to the walkthrough's queue in us-west-2
set -eu
: "${ACCOUNT_ID:?export ACCOUNT_ID=\$(aws sts get-caller-identity --query Account --output text)}"
QUEUE_URL="${QUEUE_URL:-https://sqs.us-west-2.amazonaws.com/$ACCOUNT_ID/app-queue}"
COUNT="${1:-500}"
i=0
while [ "$i" -lt "$COUNT" ]; do
  aws sqs send-message --region us-west-2 --queue-url "$QUEUE_URL" --message-body "order $i" --output text --query MessageId >/dev/null
  i=$((i + 1))
done
echo "sent $COUNT messages to $QUEUE_URL"
