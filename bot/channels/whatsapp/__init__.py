"""WhatsApp through the Cloud API: a thin httpx client, our webhook, our models."""
