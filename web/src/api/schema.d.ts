// Generated from the server's OpenAPI document by scripts/gen-api-types.mjs: do not edit.
// `npm run gen:api` rewrites it; `npm run check:api` fails when it drifts.
export interface paths {
    "/api/v1/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Steps waiting for a person's decision, newest first, with the content to judge */
        get: operations["getApiV1Approvals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Artifacts of the workspace by execution, step, kind, created-after, template; current=true: only those of each step's current version */
        get: operations["getApiV1Artifacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/artifacts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An artifact's metadata */
        get: operations["getApiV1ArtifactsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/artifacts/{id}/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download: the bytes with their Content-Type and Content-Length */
        get: operations["getApiV1ArtifactsIdContent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/credits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Credit balance (micro-credits) */
        get: operations["getApiV1Credits"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/credits/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Grant credits to the workspace */
        post: operations["postApiV1CreditsGrants"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/credits/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ledger entries, oldest first (order=newest: newest first) */
        get: operations["getApiV1CreditsLedger"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events of the whole workspace (id = gid; Last-Event-ID resumes) */
        get: operations["getApiV1EventsStream"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List executions, newest first (cursor pagination) */
        get: operations["getApiV1Executions"];
        put?: never;
        /** Launch an execution (Idempotency-Key honoured) */
        post: operations["postApiV1Executions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/estimate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** What a launch with this body would cost, and whether the credits cover it */
        post: operations["postApiV1ExecutionsEstimate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Status, progress, stage N of M and totals */
        get: operations["getApiV1ExecutionsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Artifacts of an execution */
        get: operations["getApiV1ExecutionsIdArtifacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/documents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Documents of attach steps with their images and primary image */
        get: operations["getApiV1ExecutionsIdDocuments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The event log */
        get: operations["getApiV1ExecutionsIdEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/events/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events of the execution (id = seq; Last-Event-ID resumes) */
        get: operations["getApiV1ExecutionsIdEventsStream"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/fork": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fork: a new execution that runs `step` and what follows it again, keeping the rest (Idempotency-Key honoured) */
        post: operations["postApiV1ExecutionsIdFork"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/milestones/{milestone}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a manual milestone (who: `by`, else the API key's name; a note); answers the execution */
        post: operations["postApiV1ExecutionsIdMilestonesMilestone"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause: running steps finish, nothing new starts */
        post: operations["postApiV1ExecutionsIdPause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused execution */
        post: operations["postApiV1ExecutionsIdResume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-run failed, cancelled and never-run steps */
        post: operations["postApiV1ExecutionsIdRetry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every step of the execution */
        get: operations["getApiV1ExecutionsIdSteps"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve a waiting step; with `edit`, the reviewed step's text is replaced first (a new version of that step) */
        post: operations["postApiV1ExecutionsIdStepsStepApprove"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Change an attach step's images (add, remove, primary) as a new version; answers the documents */
        post: operations["postApiV1ExecutionsIdStepsStepAttachments"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/regenerate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a step again as a new version (a generative or derived step, or one map item such as sections[2], failed or not) */
        post: operations["postApiV1ExecutionsIdStepsStepRegenerate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject a waiting step */
        post: operations["postApiV1ExecutionsIdStepsStepReject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-run a map's failed and cancelled items (or one failed item) while the rest of the execution stays as it is */
        post: operations["postApiV1ExecutionsIdStepsStepRetry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/revert": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Make a kept version current again */
        post: operations["postApiV1ExecutionsIdStepsStepRevert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/tweak": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Tweak: a decision on a waiting approval, or a refined version of a generative step */
        post: operations["postApiV1ExecutionsIdStepsStepTweak"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/steps/{step}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Kept versions of a step */
        get: operations["getApiV1ExecutionsIdStepsStepVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop: cancel running steps */
        post: operations["postApiV1ExecutionsIdStop"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver to a trigger: signed with HMAC-SHA256, no API key; launches its template */
        post: operations["postApiV1HooksId"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** API keys of the workspace */
        get: operations["getApiV1Keys"];
        put?: never;
        /** Create an API key (the secret is shown once) */
        post: operations["postApiV1Keys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: operations["deleteApiV1KeysId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/mcp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The Model Context Protocol (Streamable HTTP, no sessions): one JSON-RPC message per POST; the workspace's templates as tools (a viewer's key sees only the tools that read) */
        post: operations["postApiV1Mcp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/node-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The node types: fields, outputs, edge handles and traits of each */
        get: operations["getApiV1NodeTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Deliveries, newest event first: status, attempts, last error (cursor pagination) */
        get: operations["getApiV1NotificationsDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A delivery with the body it sends */
        get: operations["getApiV1NotificationsDeliveriesId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/deliveries/{id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivered or failed delivery again (same id and body, a fresh retry budget) */
        post: operations["postApiV1NotificationsDeliveriesIdResend"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List notification endpoints (the launch callbacks endpoint included) */
        get: operations["getApiV1NotificationsEndpoints"];
        put?: never;
        /** Create a notification endpoint; answers its secret, shown only here and on rotate */
        post: operations["postApiV1NotificationsEndpoints"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a notification endpoint (never its secret) */
        get: operations["getApiV1NotificationsEndpointsId"];
        put?: never;
        post?: never;
        /** Delete an endpoint (its deliveries stay; pending ones are given up) */
        delete: operations["deleteApiV1NotificationsEndpointsId"];
        options?: never;
        head?: never;
        /** Change an endpoint's fields */
        patch: operations["patchApiV1NotificationsEndpointsId"];
        trace?: never;
    };
    "/api/v1/notifications/endpoints/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret, used from the next attempt on */
        post: operations["postApiV1NotificationsEndpointsIdRotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This API's OpenAPI 3.1 document */
        get: operations["getApiV1OpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/retention": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's retention policy and what its sweeps did */
        get: operations["getApiV1Retention"];
        /** Set the retention policy: finished executions older than max_age_days, or beyond the newest keep_last of their template, are deleted (null: no such rule) */
        put: operations["putApiV1Retention"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/retention/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Dry run: what the stored policy (or the one in the body) would delete now, and the bytes it frees; deletes nothing */
        post: operations["postApiV1RetentionPreview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/retention/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sweep now under the stored policy, then remove the blobs nothing names any more */
        post: operations["postApiV1RetentionRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List schedules */
        get: operations["getApiV1Schedules"];
        put?: never;
        /** Create a schedule: a template launched on a cron expression or an interval */
        post: operations["postApiV1Schedules"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a schedule with its next five fire times */
        get: operations["getApiV1SchedulesId"];
        put?: never;
        post?: never;
        /** Delete a schedule (its executions stay) */
        delete: operations["deleteApiV1SchedulesId"];
        options?: never;
        head?: never;
        /** Change a schedule's fields */
        patch: operations["patchApiV1SchedulesId"];
        trace?: never;
    };
    "/api/v1/schedules/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause: nothing fires until resumed */
        post: operations["postApiV1SchedulesIdPause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume: the next due time after now (paused windows are skipped) */
        post: operations["postApiV1SchedulesIdResume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign in: exchange an API key for a session cookie (HttpOnly, SameSite=Strict) */
        post: operations["postApiV1Session"];
        /** Sign out: end the session of the cookie sent */
        delete: operations["deleteApiV1Session"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Open a session from a one-time sign-in link (printed by atelier serve) and go to the UI */
        get: operations["getApiV1SessionLink"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List templates (latest versions) */
        get: operations["getApiV1Templates"];
        put?: never;
        /** Create a template */
        post: operations["postApiV1Templates"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Categories with counts */
        get: operations["getApiV1TemplatesCategories"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Validate a template; every error with its node or field */
        post: operations["postApiV1TemplatesValidate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a template (latest or ?version=N) */
        get: operations["getApiV1TemplatesId"];
        /** Update: stores a new version (409 for a built-in: clone it) */
        put: operations["putApiV1TemplatesId"];
        post?: never;
        /** Delete a template (409 for a built-in) */
        delete: operations["deleteApiV1TemplatesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/{id}/clone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Copy under a new name: an editable user template (built-ins too) */
        post: operations["postApiV1TemplatesIdClone"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version */
        get: operations["getApiV1TemplatesIdVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/triggers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List webhook triggers */
        get: operations["getApiV1Triggers"];
        put?: never;
        /** Create a webhook trigger; answers its secret, shown only here and on rotate */
        post: operations["postApiV1Triggers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/triggers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a trigger (never its secret) */
        get: operations["getApiV1TriggersId"];
        put?: never;
        post?: never;
        /** Delete a trigger (its executions stay) */
        delete: operations["deleteApiV1TriggersId"];
        options?: never;
        head?: never;
        /** Change a trigger's fields */
        patch: operations["patchApiV1TriggersId"];
        trace?: never;
    };
    "/api/v1/triggers/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret; deliveries signed with the old one are refused */
        post: operations["postApiV1TriggersIdRotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspace": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's workspace and key */
        get: operations["getApiV1Workspace"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspace/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workspace's templates (every version), schedules and triggers as one document (no secrets, no built-ins) */
        get: operations["getApiV1WorkspaceExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workspace/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Import an export: templates add versions, schedules and triggers whose names are free are created (new secrets, answered once) */
        post: operations["postApiV1WorkspaceImport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: operations["getHealthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the store answers */
        get: operations["getReadyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ApiKey: {
            created_at: components["schemas"]["Timestamp"];
            id: string;
            name: string;
            prefix: string;
            revoked_at: components["schemas"]["NullableTimestamp"];
            role: components["schemas"]["Role"];
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKey"][];
        };
        Approval: {
            /** @description The output of the step the approval reviews (its tweak_step, else the nearest generative step upstream); null when it reviews none */
            content: {
                images: components["schemas"]["ImageRef"][];
                /** @description The whole output (any JSON) */
                json: unknown;
                label: string;
                step: string;
                /** @description The output's text when it is text; what an edit replaces */
                text: string | null;
                version: number;
            } | null;
            /** @description approve and reject always; tweak when it reviews a step; edit (approve with an edited text) when that step's content is text */
            decisions: ("approve" | "reject" | "tweak" | "edit")[];
            /** @description Decide with POST /api/v1/executions/{execution_id}/steps/{step}/approve (reject, tweak) */
            execution_id: string;
            execution_status: components["schemas"]["ExecutionStatus"];
            /** @description The approval node's label, else its id */
            label: string;
            /** @description What the person is asked: the node's message as rendered */
            message: string;
            requested_at: components["schemas"]["Timestamp"];
            /** @description The node's show values as rendered (any JSON), null when it has none */
            show: unknown;
            step: string;
            template: components["schemas"]["TemplateRef"];
        };
        ApprovalPage: {
            items: components["schemas"]["Approval"][];
            /** @description Pass as ?cursor= for the next page; null on the last */
            next_cursor: string | null;
        };
        Artifact: {
            created_at: components["schemas"]["NullableTimestamp"];
            execution_id: string;
            id: string;
            /** @enum {string} */
            kind: "document" | "image";
            /** @description width, height, ... */
            meta: Record<string, unknown>;
            mime: string;
            name: string;
            sha256: string;
            size: number;
            step: string;
            step_version: number;
        };
        ArtifactList: {
            items: components["schemas"]["Artifact"][];
        };
        Balance: {
            balance: number;
            granted: number;
            reserved: number;
            spent: number;
            /** @enum {string} */
            unit: "micro-credits";
        };
        CategoryList: {
            items: {
                category: string;
                count: number;
            }[];
        };
        /** @description Any JSON: with no map, an object whose fields are the inputs; else read by the trigger's JSON pointers */
        DeliveryBody: unknown;
        DeliveryPage: {
            items: components["schemas"]["NotificationDelivery"][];
            next_cursor: string | null;
        };
        Document: {
            images: Record<string, unknown>[];
            primary_image: Record<string, unknown> | null;
            primary_index: number | null;
            step: string;
            text: string;
            title: string;
            version: number;
        };
        DocumentList: {
            items: components["schemas"]["Document"][];
        };
        Endpoint: {
            created_at: components["schemas"]["Timestamp"];
            events: components["schemas"]["NotificationEvent"][];
            id: string;
            /**
             * @description launch: signs the callbacks launches ask for with notify (its url is null)
             * @enum {string}
             */
            kind: "workspace" | "launch";
            name: string;
            paused: boolean;
            /** @description The HMAC-SHA256 key; only in the answers to create and rotate */
            secret?: string;
            template: string | null;
            updated_at: components["schemas"]["Timestamp"];
            /** @description Without its query string */
            url: string | null;
        };
        /** @description POST needs name and url; PATCH takes any subset (null template: every template). The launch callbacks endpoint takes only events and paused */
        EndpointDefinition: {
            /** @description Default: all four */
            events?: components["schemas"]["NotificationEvent"][];
            name?: string;
            /** @description While paused, deliveries wait (nothing is dropped) */
            paused?: boolean;
            /** @description Only executions of the template with this name */
            template?: string | null;
            /** @description An http(s) URL whose host is on the allow-list ("http": {"allow_hosts"} in the providers file) */
            url?: string;
        };
        EndpointList: {
            items: components["schemas"]["Endpoint"][];
        };
        Error: {
            error: {
                /** @description Stable snake_case: not_found, invalid_argument, conflict, ... */
                code: string;
                /** @description field (the offending field), errors (every problem), ... */
                details: Record<string, unknown>;
                /** @description A sentence for a person */
                message: string;
            };
        };
        Estimate: {
            assumptions: string[];
            credits: {
                /** @description The workspace's balance now */
                balance: number;
                /** @description Whether this server charges credits at all (false under --no-credits) */
                charged: boolean;
                /** @description balance >= needed */
                covered: boolean;
                /** @description The total as the steps' reservations would take it */
                needed: number;
                /** @enum {string} */
                unit: "micro-credits";
            };
            /** @description The paid steps, as atelier estimate lists them */
            steps: components["schemas"]["EstimateStep"][];
            template: components["schemas"]["TemplateRef"];
            total: {
                calls: number;
                /** @description Credits */
                cost: number;
                images: number;
                input_tokens: number;
                output_tokens: number;
            };
        };
        EstimateStep: {
            calls: number;
            /** @description Credits (an upper bound) */
            cost: number;
            /** @description The node */
            id: string;
            images: number;
            input_tokens: number;
            model: string;
            /** @description "12 items", "no price", ... */
            note: string;
            output_tokens: number;
            provider: string;
            type: string;
        };
        Event: {
            /** @description Position in the workspace's stream */
            gid: number;
            payload: Record<string, unknown>;
            /** @description 1, 2, 3, ... per execution, no gaps */
            seq: number;
            step: string | null;
            ts: components["schemas"]["NullableTimestamp"];
            /** @description step_succeeded, execution_completed, ... */
            type: string;
        };
        EventPage: {
            items: components["schemas"]["Event"][];
            /** @description The seq to pass as ?after= for the next page */
            next_cursor: string | null;
        };
        Execution: {
            created_at: components["schemas"]["NullableTimestamp"];
            /** @description {code, message, step} of the failure */
            error: Record<string, unknown> | null;
            finished_at: components["schemas"]["NullableTimestamp"];
            forked_from?: components["schemas"]["ForkOrigin"];
            id: string;
            inputs: Record<string, unknown>;
            parent?: components["schemas"]["ParentRef"];
            /** @description Why it is paused, failed, stopped or waiting; empty when none */
            reason: string;
            started_at: components["schemas"]["NullableTimestamp"];
            status: components["schemas"]["ExecutionStatus"];
            template_id: string;
            template_version: number;
            updated_at: components["schemas"]["NullableTimestamp"];
            workspace_id: string;
        };
        ExecutionDetail: {
            created_at: components["schemas"]["NullableTimestamp"];
            error: Record<string, unknown> | null;
            finished_at: components["schemas"]["NullableTimestamp"];
            forked_from?: components["schemas"]["ForkOrigin"];
            id: string;
            inputs: Record<string, unknown>;
            milestones?: components["schemas"]["Milestones"];
            parent?: components["schemas"]["ParentRef"];
            progress: components["schemas"]["Progress"];
            reason: string;
            /** @description "stage N of M" */
            stage: string;
            started_at: components["schemas"]["NullableTimestamp"];
            status: components["schemas"]["ExecutionStatus"];
            template: components["schemas"]["TemplateRef"];
            template_id: string;
            template_version: number;
            totals: components["schemas"]["UsageTotals"];
            updated_at: components["schemas"]["NullableTimestamp"];
            workspace_id: string;
        };
        ExecutionPage: {
            items: components["schemas"]["ExecutionRow"][];
            next_cursor: string | null;
        };
        /** @description An execution as the runs list shows it: the record plus its template's name, progress and cost so far */
        ExecutionRow: {
            /** @description Credits its provider calls cost so far (the detail's totals.cost) */
            cost: number;
            created_at: components["schemas"]["NullableTimestamp"];
            /** @description {code, message, step} of the failure */
            error: Record<string, unknown> | null;
            finished_at: components["schemas"]["NullableTimestamp"];
            forked_from?: components["schemas"]["ForkOrigin"];
            id: string;
            inputs: Record<string, unknown>;
            parent?: components["schemas"]["ParentRef"];
            progress: components["schemas"]["Progress"];
            /** @description Why it is paused, failed, stopped, waiting or still queued; empty when none */
            reason: string;
            started_at: components["schemas"]["NullableTimestamp"];
            status: components["schemas"]["ExecutionStatus"];
            template_id: string;
            /** @description The name of the template version it runs */
            template_name: string;
            template_version: number;
            updated_at: components["schemas"]["NullableTimestamp"];
            workspace_id: string;
        };
        /** @enum {string} */
        ExecutionStatus: "queued" | "running" | "paused" | "waiting" | "completed" | "failed" | "stopped";
        /** @description The execution and step a fork was started from */
        ForkOrigin: {
            execution_id: string;
            step: string;
        };
        Grant: {
            balance: components["schemas"]["Balance"];
            entry: components["schemas"]["LedgerEntry"];
            /** @description Executions that were paused for want of credits and carry on */
            resumed: number;
        };
        ImageRef: {
            /** @description GET /api/v1/artifacts/{id}/content downloads it */
            artifact_id: string;
            height?: number;
            mime: string;
            name: string;
            width?: number;
        };
        ImportReport: {
            schedules: {
                /** @enum {string} */
                action: "created" | "skipped";
                id?: string;
                name: string;
                reason?: string;
            }[];
            templates: {
                /** @enum {string} */
                action: "created" | "updated" | "unchanged";
                id: string;
                name: string;
                /** @description Source version number to the version it is in this workspace */
                versions: {
                    [key: string]: number;
                };
            }[];
            triggers: {
                /** @enum {string} */
                action: "created" | "skipped";
                id?: string;
                name: string;
                reason?: string;
                /** @description The new trigger's secret, shown only here */
                secret?: string;
                url?: string;
            }[];
        };
        InputSpec: {
            default?: unknown;
            description?: string;
            required?: boolean;
            /** @enum {string} */
            type: "string" | "integer" | "number" | "boolean" | "list" | "object";
        };
        LedgerEntry: {
            amount: number;
            created_at: components["schemas"]["Timestamp"];
            execution_id: string;
            id: number;
            key: string;
            kind: string;
            note: string;
            reservation_key: string;
            step: string;
        };
        LedgerPage: {
            items: components["schemas"]["LedgerEntry"][];
            next_cursor: string | null;
        };
        Milestone: {
            by: string | null;
            id: string;
            label: string;
            manual: boolean;
            note: string | null;
            reached: boolean;
            reached_at: components["schemas"]["NullableTimestamp"];
            skipped: boolean;
        };
        Milestones: {
            can_proceed: boolean;
            current: {
                id: string;
                label: string;
            } | null;
            list: components["schemas"]["Milestone"][];
            next: {
                action: string;
                id: string;
                label: string;
                manual: boolean;
            } | null;
        };
        NewApiKey: {
            created_at: components["schemas"]["Timestamp"];
            id: string;
            name: string;
            prefix: string;
            revoked_at: components["schemas"]["NullableTimestamp"];
            role: components["schemas"]["Role"];
            /** @description Shown once; only its SHA-256 is stored */
            secret: string;
        };
        NodeField: {
            /** @description The value when the field is left out */
            default?: unknown;
            description: string;
            max?: number;
            min?: number;
            name: string;
            one_of?: string[];
            required: boolean;
            /** @description string, integer, number, boolean, list, object, any, node, retry */
            type: string;
            /** @description Taken as written: never rendered, no {{references}} */
            verbatim: boolean;
        };
        NodeType: {
            /** @description The outputs are the keys of data.output */
            dynamic_outputs: boolean;
            fields: components["schemas"]["NodeField"][];
            handle_required: boolean;
            /** @description Allowed sourceHandle values of outgoing edges */
            handles: string[];
            /** @enum {string} */
            kind: "start" | "end" | "task" | "approval" | "map" | "subworkflow";
            name: string;
            outputs: string[];
            summary: string;
            traits: {
                composite: boolean;
                edits_attachments: boolean;
                generative: boolean;
                mappable: boolean;
                paid: boolean;
                pure: boolean;
                rebuildable: boolean;
                waits_for_person: boolean;
            };
        };
        NodeTypeList: {
            /** @description Fields every node type accepts */
            common_fields: components["schemas"]["NodeField"][];
            items: components["schemas"]["NodeType"][];
        };
        NotificationDelivery: {
            attempts: number;
            /** @description The JSON sent (single delivery answers only) */
            body?: Record<string, unknown>;
            created_at: components["schemas"]["Timestamp"];
            delivered_at: components["schemas"]["NullableTimestamp"];
            endpoint_id: string;
            event: components["schemas"]["NotificationEvent"];
            /** @description The event's position in the workspace's event stream */
            event_id: number;
            execution_id: string;
            /** @description Pending and held by a paused endpoint: sent once it is resumed */
            held: boolean;
            /** @description The same on every attempt and resend: X-Atelier-Delivery */
            id: string;
            last_attempt_at: components["schemas"]["NullableTimestamp"];
            last_error: string | null;
            last_status_code: number | null;
            next_attempt_at: components["schemas"]["NullableTimestamp"];
            status: components["schemas"]["NotificationDeliveryStatus"];
            /** @description Where it goes, without its query string */
            url: string;
        };
        /** @enum {string} */
        NotificationDeliveryStatus: "pending" | "delivered" | "failed";
        /** @enum {string} */
        NotificationEvent: "execution_completed" | "execution_failed" | "execution_stopped" | "approval_requested";
        /** @description ISO-8601 UTC, or null when it has not happened */
        NullableTimestamp: string | null;
        OpenApiDocument: {
            info: Record<string, unknown>;
            openapi: string;
            paths: Record<string, unknown>;
        };
        ParentRef: {
            execution_id: string;
            step: string;
        };
        Progress: {
            finished: number;
            /** @description 100 only when nothing is left to run */
            percent: number;
            running: string[];
            /** @description 1-based current stage; equals stages at the end */
            stage: number;
            stages: number;
            total: number;
            waiting: string[];
        };
        Ready: {
            schema_version: number;
            /** @enum {string} */
            status: "ready";
        };
        RetentionFootprint: {
            artifacts: number;
            /** @description Stored files that nothing else names */
            blobs: number;
            /** @description Their size */
            bytes: number;
            events: number;
            /** @description Sub-executions included */
            executions: number;
            steps: number;
        };
        RetentionPolicy: {
            keep_last: number | null;
            keeps_everything: boolean;
            last_sweep: components["schemas"]["RetentionSweep"];
            max_age_days: number | null;
            totals: {
                bytes: number;
                executions: number;
            };
            updated_at: components["schemas"]["NullableTimestamp"];
        };
        /** @description A field left out is no such rule, as null. Both rules: an execution goes only when both let it (old AND not among the newest keep_last). Neither: keep everything */
        RetentionPolicyDefinition: {
            /** @description The newest this many finished executions of each template stay */
            keep_last?: number | null;
            /** @description Finished executions that finished more than this many days ago go */
            max_age_days?: number | null;
        };
        RetentionPreview: {
            artifacts: number;
            blobs: number;
            bytes: number;
            events: number;
            /** @description The oldest 20 that would go */
            examples: {
                finished_at: components["schemas"]["NullableTimestamp"];
                id: string;
                status: components["schemas"]["ExecutionStatus"];
                template_id: string;
            }[];
            /** @description Sub-executions included */
            executions: number;
            steps: number;
            sub_executions: number;
            /** @description More would go than the preview measures (10,000 executions); the figures cover those */
            truncated: boolean;
        };
        RetentionRun: {
            /** @description Files removed from the blob store now (a blob stored again within the last hour waits for a later sweep) */
            blobs_removed: number;
            bytes_removed: number;
            complete: boolean;
            deleted: number;
            freed: components["schemas"]["RetentionFootprint"];
            kept: {
                [key: string]: number;
            };
        };
        /** @description The last sweep under a policy with rules, whatever it found; null before the first */
        RetentionSweep: {
            at: components["schemas"]["Timestamp"];
            /** @description False when the sweep stopped before the end (its per-sweep bound, or a shutdown); the next one goes on */
            complete: boolean;
            /** @description Top-level executions deleted (with their sub-executions) */
            deleted: number;
            freed: components["schemas"]["RetentionFootprint"];
            /** @description Executions the policy selected but that had to stay, by reason: unfinished (a sub-execution still runs), notifying (a notification is pending), unread (the notifier has not read its events yet), not_found */
            kept: {
                [key: string]: number;
            };
        } | null;
        /** @enum {string} */
        Role: "viewer" | "editor" | "admin";
        Schedule: {
            /** @enum {string} */
            catch_up: "run_once" | "skip";
            created_at: components["schemas"]["Timestamp"];
            cron: string | null;
            every_seconds: number | null;
            fire_count: number;
            id: string;
            inputs: Record<string, unknown>;
            last_due_at: components["schemas"]["NullableTimestamp"];
            /** @description Why the last firing launched nothing (template deleted, inputs no longer fit) */
            last_error: string | null;
            last_execution_id: string | null;
            last_fired_at: components["schemas"]["NullableTimestamp"];
            misfire_grace_seconds: number;
            name: string;
            next_due_at: components["schemas"]["NullableTimestamp"];
            /** @description The next five; empty while paused */
            next_fire_times: components["schemas"]["Timestamp"][];
            paused: boolean;
            /** @description Due times skipped by catch_up: skip */
            skip_count: number;
            start_at: components["schemas"]["NullableTimestamp"];
            template: string;
            time_zone: string | null;
            updated_at: components["schemas"]["Timestamp"];
            version: number | null;
        };
        /** @description POST needs name, template and one of cron or every_seconds; PATCH takes any subset (null clears version or start_at) */
        ScheduleDefinition: {
            /**
             * @description A due time missed by more than misfire_grace_seconds: run once, or skip
             * @enum {string}
             */
            catch_up?: "run_once" | "skip";
            /** @description minute hour day-of-month month day-of-week (names, ranges, lists, steps), or @hourly, @daily, @weekly, @monthly, @yearly */
            cron?: string | null;
            every_seconds?: number | null;
            inputs?: Record<string, unknown>;
            misfire_grace_seconds?: number;
            name?: string;
            paused?: boolean;
            /** @description First due time of every_seconds: ISO-8601 or ms since the epoch; default now + every_seconds */
            start_at?: string | number | null;
            /** @description The template's name */
            template?: string;
            /** @description IANA name (Europe/Paris) for cron; default UTC */
            time_zone?: string | null;
            /** @description Pin a version; absent or null: the current one at each firing */
            version?: number | null;
        };
        ScheduleList: {
            items: components["schemas"]["Schedule"][];
        };
        Session: {
            expires_at: components["schemas"]["Timestamp"];
            key: {
                id: string;
                name: string;
                role: components["schemas"]["Role"];
            };
            workspace_id: string;
        };
        StatusOk: {
            /** @enum {string} */
            status: "ok";
        };
        Step: {
            /** @description Artifact ids */
            artifacts: string[];
            attempts: number;
            crashes?: number;
            duration_ms: number | null;
            /** @description {code, message} of the last failure */
            error: Record<string, unknown> | null;
            finished_at: components["schemas"]["NullableTimestamp"];
            /** @description The node id, or MAP[INDEX] for a map item */
            id: string;
            /** @description A map item's position */
            item_index?: number;
            /** @description What a person calls the step */
            label: string;
            node_id: string;
            /** @description The step's output (any JSON); null until it succeeds */
            output: unknown;
            /** @description A map item's map step */
            parent?: string;
            retry_at?: components["schemas"]["NullableTimestamp"];
            /** @description Top-level steps: the stage the step belongs to */
            stage?: number;
            started_at: components["schemas"]["NullableTimestamp"];
            status: components["schemas"]["StepStatus"];
            /** @description The node type (a map item: its node's type) */
            type: string;
            /** @description input_tokens, output_tokens, images, cost */
            usage: Record<string, unknown> | null;
            version: number;
        };
        StepList: {
            items: components["schemas"]["Step"][];
        };
        /** @description The data line of a step_progress frame: the latest live progress of a running step (not durable, never in the event log; the step's step_succeeded replaces it) */
        StepProgress: {
            at: components["schemas"]["Timestamp"];
            /** @description Characters of the whole answer so far */
            chars?: number;
            execution_id: string;
            /** @description The item index, for a map item */
            item?: number;
            max?: number;
            /** @description A map item's own id (sections[2]) for an item */
            step_id: string;
            /** @description The answer so far (its last 64 KiB when longer), for a text step */
            text?: string;
            /** @description Image steps: sampling steps done, of max */
            value?: number;
        };
        /** @enum {string} */
        StepStatus: "pending" | "ready" | "running" | "succeeded" | "failed" | "skipped" | "waiting" | "cancelled" | "stale";
        StepVersion: {
            created_at: components["schemas"]["NullableTimestamp"];
            /** @description source: run, tweak, regenerate or revert, ... */
            meta: Record<string, unknown>;
            output: unknown;
            session: unknown;
            step: string;
            version: number;
        };
        StepVersionList: {
            current: number;
            items: components["schemas"]["StepVersion"][];
        };
        /** @description The data line of a Server-Sent Event (its event: line is the type, its id: the seq or gid) */
        StreamEvent: {
            execution_id: string;
            gid: number;
            payload: Record<string, unknown>;
            seq: number;
            step: string | null;
            ts: components["schemas"]["NullableTimestamp"];
            type: string;
        };
        Template: {
            builtin: boolean;
            category: string;
            content_hash: string;
            created_at: components["schemas"]["Timestamp"];
            definition: components["schemas"]["TemplateDefinition"];
            description: string;
            id: string;
            name: string;
            version: number;
        };
        /** @description A template document (docs/templates.md); the server checks it in full */
        TemplateDefinition: {
            category?: string;
            description?: string;
            edges?: components["schemas"]["TemplateEdge"][];
            inputs?: {
                [key: string]: components["schemas"]["InputSpec"];
            };
            milestones?: Record<string, unknown>[];
            name: string;
            nodes: components["schemas"]["TemplateNode"][];
        };
        TemplateEdge: {
            id?: string;
            source: string;
            sourceHandle?: string | null;
            target: string;
        };
        TemplateNode: {
            data?: Record<string, unknown>;
            id: string;
            position?: {
                x: number;
                y: number;
            };
            type: string;
        };
        TemplatePage: {
            items: components["schemas"]["TemplateSummary"][];
            /** @description Pass as ?cursor= for the next page; null on the last */
            next_cursor: string | null;
        };
        TemplateProblem: {
            message: string;
            /** @description The node, edge or field: nodes[2].data.prompt */
            where: string;
        };
        TemplateRef: {
            id: string;
            name: string;
            version: number;
        };
        TemplateSummary: {
            /** @description Shipped in the binary: read-only, clone it to edit */
            builtin: boolean;
            category: string;
            content_hash: string;
            created_at: components["schemas"]["Timestamp"];
            description: string;
            id: string;
            name: string;
            version: number;
        };
        /** @description ISO-8601 UTC with milliseconds, 2026-11-21T06:03:27.120Z */
        Timestamp: string;
        Trigger: {
            created_at: components["schemas"]["Timestamp"];
            /** @description Deliveries that launched an execution (retries not counted) */
            delivery_count: number;
            id: string;
            inputs: Record<string, unknown>;
            last_delivery_at: components["schemas"]["NullableTimestamp"];
            last_delivery_id: string | null;
            last_execution_id: string | null;
            map: {
                [key: string]: string;
            } | null;
            name: string;
            paused: boolean;
            /** @description The HMAC-SHA256 key; only in the answers to create and rotate */
            secret?: string;
            template: string;
            tolerance_seconds: number;
            updated_at: components["schemas"]["Timestamp"];
            /** @description The path deliveries are POSTed to: /api/v1/hooks/{id} */
            url: string;
            version: number | null;
        };
        /** @description POST needs name and template; PATCH takes any subset (null clears version or map) */
        TriggerDefinition: {
            /** @description Fixed inputs: what a delivery does not give */
            inputs?: Record<string, unknown>;
            /** @description Input name to a JSON pointer into the delivery's body (/product/title); null: the body's top-level fields are the inputs */
            map?: {
                [key: string]: string;
            } | null;
            name?: string;
            paused?: boolean;
            /** @description The template's name */
            template?: string;
            /** @description How far X-Atelier-Timestamp may be from the server's clock; default 300 */
            tolerance_seconds?: number;
            version?: number | null;
        };
        TriggerList: {
            items: components["schemas"]["Trigger"][];
        };
        UsageTotals: {
            cost: number;
            images: number;
            input_tokens: number;
            output_tokens: number;
        };
        ValidationResult: {
            errors: components["schemas"]["TemplateProblem"][];
            valid: boolean;
        };
        Workspace: {
            created_at: components["schemas"]["Timestamp"];
            id: string;
            key: {
                id: string;
                name: string;
                role: components["schemas"]["Role"];
            };
            name: string;
        };
        /** @description docs/transfer.md: templates with every version, schedules and triggers (no secrets, no built-ins) */
        WorkspaceExport: {
            /** @enum {integer} */
            atelier_export: 1;
            exported_at?: string;
            schedules?: components["schemas"]["ScheduleDefinition"][];
            templates?: {
                name: string;
                versions: {
                    created_at?: string;
                    definition: components["schemas"]["TemplateDefinition"];
                    version: number;
                }[];
            }[];
            triggers?: components["schemas"]["TriggerDefinition"][];
            workspace?: {
                id?: string;
                name?: string;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getApiV1Approvals: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalPage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Artifacts: {
        parameters: {
            query?: {
                execution_id?: string;
                step?: string;
                kind?: "document" | "image";
                created_after?: string;
                current?: boolean;
                template_id?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ArtifactList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ArtifactsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Artifact"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ArtifactsIdContent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The artifact's bytes, typed by its mime */
            200: {
                headers: {
                    /** @description attachment; filename="NAME" */
                    "Content-Disposition"?: string;
                    /** @description The SHA-256 of the bytes */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Credits: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Balance"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1CreditsGrants: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    amount: number;
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Grant"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1CreditsLedger: {
        parameters: {
            query?: {
                cursor?: string;
                execution_id?: string;
                limit?: number;
                order?: "oldest" | "newest";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerPage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1EventsStream: {
        parameters: {
            query?: {
                after?: number;
            };
            header?: {
                /** @description Resume after this event id */
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Server-Sent Events: each event of the log has an id (seq, or gid for the workspace), an event line with the event type and a data line holding a StreamEvent. Between them, while steps run, `event: step_progress` frames with NO id line (they never move Last-Event-ID and are not in the log) carry a StepProgress: the latest live progress of a running step, at most one per step per 100 ms */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Executions: {
        parameters: {
            query?: {
                status?: components["schemas"]["ExecutionStatus"];
                template_id?: string;
                created_after?: string;
                created_before?: string;
                cursor?: string;
                limit?: number;
                include_sub?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionPage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Executions: {
        parameters: {
            query?: never;
            header?: {
                /** @description A retried launch with the same key returns the same execution; the same key with another request answers 422 */
                "Idempotency-Key"?: string;
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    inputs?: Record<string, unknown>;
                    notify?: Record<string, unknown>;
                    template_id?: string;
                    template_name?: string;
                    version?: number;
                };
            };
        };
        responses: {
            /** @description A launch replayed by its Idempotency-Key */
            200: {
                headers: {
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Out of credits or rate-limited; details.retry_after_ms when known */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsEstimate: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    inputs?: Record<string, unknown>;
                    notify?: Record<string, unknown>;
                    template_id?: string;
                    template_name?: string;
                    version?: number;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Estimate"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The inputs do not fit the template (invalid_argument): details.field names the first, details.errors lists every one, as a launch reports them */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionDetail"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdArtifacts: {
        parameters: {
            query?: {
                step?: string;
                kind?: "document" | "image";
                created_after?: string;
                current?: boolean;
                template_id?: string;
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ArtifactList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdDocuments: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdEvents: {
        parameters: {
            query?: {
                after?: number;
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdEventsStream: {
        parameters: {
            query?: {
                after?: number;
            };
            header?: {
                /** @description Resume after this event id */
                "Last-Event-ID"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Server-Sent Events: each event of the log has an id (seq, or gid for the workspace), an event line with the event type and a data line holding a StreamEvent. Between them, while steps run, `event: step_progress` frames with NO id line (they never move Last-Event-ID and are not in the log) carry a StepProgress: the latest live progress of a running step, at most one per step per 100 ms */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdFork: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    inputs?: Record<string, unknown>;
                    settings?: Record<string, unknown>;
                    step: string;
                    version?: number;
                };
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Out of credits or rate-limited; details.retry_after_ms when known */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdMilestonesMilestone: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                milestone: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    by?: string;
                    note?: string;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionDetail"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdPause: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdResume: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdRetry: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdSteps: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StepList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepApprove: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    comment?: string;
                    edit?: string;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepAttachments: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    add?: string[];
                    primary?: string;
                    remove?: string[];
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepRegenerate: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepReject: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    comment?: string;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepRetry: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepRevert: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    version: number;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStepsStepTweak: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    comment?: string;
                    instruction: string;
                };
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1ExecutionsIdStepsStepVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                step: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StepVersionList"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1ExecutionsIdStop: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1HooksId: {
        parameters: {
            query?: never;
            header: {
                /** @description The sender's clock, whole seconds since the epoch */
                "X-Atelier-Timestamp": string;
                /** @description sha256= and the hex HMAC-SHA256 of 'TIMESTAMP.BODY' under the trigger's secret */
                "X-Atelier-Signature": string;
                /** @description The delivery's id, the same on every retry: a retry answers the execution the first one made */
                "X-Atelier-Delivery": string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeliveryBody"];
            };
        };
        responses: {
            /** @description A retried delivery (same X-Atelier-Delivery): the execution the first one launched */
            200: {
                headers: {
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Keys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Keys: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    /** @enum {string} */
                    role: "viewer" | "editor" | "admin";
                };
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NewApiKey"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1KeysId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Mcp: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id?: string | number;
                    /** @enum {string} */
                    jsonrpc: "2.0";
                    method?: string;
                    params?: Record<string, unknown>;
                };
            };
        };
        responses: {
            /** @description A request's answer: JSON for initialize, ping and tools/list; for tools/call an event stream whose `event: message` frames carry the call's notifications/progress and then its answer */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, unknown>;
                    "text/event-stream": string;
                };
            };
            /** @description A notification or a client's answer: taken, no body */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1NodeTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NodeTypeList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1NotificationsDeliveries: {
        parameters: {
            query?: {
                endpoint_id?: string;
                execution_id?: string;
                status?: components["schemas"]["NotificationDeliveryStatus"];
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1NotificationsDeliveriesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationDelivery"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1NotificationsDeliveriesIdResend: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationDelivery"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1NotificationsEndpoints: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1NotificationsEndpoints: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EndpointDefinition"];
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Endpoint"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1NotificationsEndpointsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Endpoint"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1NotificationsEndpointsId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchApiV1NotificationsEndpointsId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EndpointDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Endpoint"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1NotificationsEndpointsIdRotate: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Endpoint"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1OpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Retention: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionPolicy"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putApiV1Retention: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RetentionPolicyDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionPolicy"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1RetentionPreview: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RetentionPolicyDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionPreview"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1RetentionRun: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRun"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the admin role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Schedules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Schedules: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleDefinition"];
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1SchedulesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1SchedulesId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchApiV1SchedulesId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1SchedulesIdPause: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1SchedulesIdResume: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Session: {
        parameters: {
            query?: never;
            header: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF": "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key: string;
                };
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The X-Atelier-CSRF header is missing, or the Origin is another site */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1Session: {
        parameters: {
            query?: never;
            header: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF": "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The X-Atelier-CSRF header is missing, or the Origin is another site */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1SessionLink: {
        parameters: {
            query?: {
                token?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed in: the session cookie is set and Location is the UI */
            303: {
                headers: {
                    Location?: string;
                    "Set-Cookie"?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Templates: {
        parameters: {
            query?: {
                category?: string;
                q?: string;
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplatePage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Templates: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateDefinition"];
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The name is taken, or the template is built-in (clone it) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1TemplatesCategories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CategoryList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1TemplatesValidate: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationResult"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1TemplatesId: {
        parameters: {
            query?: {
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putApiV1TemplatesId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TemplateDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The name is taken, or the template is built-in (clone it) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1TemplatesId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The name is taken, or the template is built-in (clone it) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1TemplatesIdClone: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    version?: number;
                };
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Template"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The name is taken, or the template is built-in (clone it) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1TemplatesIdVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplatePage"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Triggers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TriggerList"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1Triggers: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TriggerDefinition"];
            };
        };
        responses: {
            /** @description Success */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1TriggersId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApiV1TriggersId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchApiV1TriggersId: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TriggerDefinition"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1TriggersIdRotate: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found (or another workspace's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1Workspace: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workspace"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiV1WorkspaceExport: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkspaceExport"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the viewer role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApiV1WorkspaceImport: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1: required on state-changing requests signed in by the session cookie (and to sign in or out), so that other sites cannot make them */
                "X-Atelier-CSRF"?: "1";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WorkspaceExport"];
            };
        };
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportReport"];
                };
            };
            /** @description Malformed or invalid request; details.field names the field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing, unknown or revoked API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Needs the editor role (or, with the session cookie, the X-Atelier-CSRF header is missing) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The state machine refuses it in the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body is larger than the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusOk"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getReadyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Success */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ready"];
                };
            };
            /** @description The store does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Any other error (405, 429, 500, 503, 504) in the same shape */
            default: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
