ALTER TABLE "held_messages" ADD COLUMN "set_aside_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "held_messages" ADD COLUMN "error" text;