// Moved to dev/http-browser/ (the demo signs in with it too); kept so existing imports work.
export * from "../../../dev/http-browser/html-forms.ts";
