CREATE TABLE "held_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"message" jsonb NOT NULL,
	"held_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "held_messages_held_at" ON "held_messages" USING btree ("held_at");