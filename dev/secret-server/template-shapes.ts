// The JSON shapes of secret templates and what hangs off them: a template's fields
// (SecretTemplateModel), a template search record (SecretTemplateSummary), a password requirement
// (PasswordRequirementModel) and the stub of a new secret (SecretModel with empty items). Shapes
// only; the routes are in api.ts and writes.ts.
import { requirementFor } from "./password-generator.ts";
import type { SeedPasswordRequirement, SeedSecret, SeedTemplate } from "./seed.ts";
import { secretModel } from "./shapes.ts";
import type { Store } from "./store.ts";

/**
 * SecretTemplateModel (`GET /secret-templates/{id}`): the fields' definitions, never a value. The
 * properties the spec marks "only returned if user can manage secret templates" are null, as for an
 * application account that may only use templates. A password field names the requirement its
 * generated values follow (`passwordRequirementId`, see `GET /password-requirements/{id}`).
 */
export function templateModel(store: Store, template: SeedTemplate) {
  return {
    id: template.id,
    name: template.name,
    passwordTypeId: null,
    fields: template.fields.map((field, index) => ({
      secretTemplateFieldId: field.fieldId,
      fieldSlugName: field.slug,
      name: field.name,
      displayName: field.name,
      description: field.description,
      isPassword: field.isPassword,
      isFile: field.isFile,
      isNotes: field.isNotes,
      isRequired: field.isRequired,
      isUrl: false,
      isList: false,
      listType: "None",
      isIndexable: !field.isPassword && !field.isFile,
      isExpirationField: false,
      hideOnView: false,
      editRequires: "Edit",
      editablePermission: null,
      historyLength: null,
      sortOrder: index + 1,
      passwordTypeFieldId: null,
      passwordRequirementId: field.isPassword ? requirementFor(store, field).id : null,
      mustEncrypt: null,
      generatePasswordCharacterSet: null,
      generatePasswordLength: null,
    })),
  };
}

/** SecretTemplateSummary, a record of `GET /secret-templates?filter.searchText=…`. */
export function templateSummary(template: SeedTemplate) {
  return { id: template.id, name: template.name, active: true, passwordTypeId: null, secretCount: null };
}

const characterSet = (set: { name: string; value: string }, id: number) => ({
  characterSetId: id,
  name: set.name,
  abbreviation: set.name,
  description: set.name,
  value: set.value,
  active: true,
  isStandard: true,
});

/** PasswordRequirementModel (`GET /password-requirements/{id}`). */
export function passwordRequirementModel(requirement: SeedPasswordRequirement) {
  return {
    passwordRequirementId: requirement.id,
    name: requirement.name,
    description: requirement.description,
    isDefault: requirement.isDefault,
    minPasswordLength: requirement.minPasswordLength,
    maxPasswordLength: requirement.maxPasswordLength,
    allowedCharacterSet: characterSet(requirement.allowedCharacterSet, requirement.id * 100),
    passwordRequirementRules: requirement.rules.map((rule, index) => ({
      passwordRequirementRuleId: requirement.id * 100 + index + 1,
      passwordRequirementId: requirement.id,
      passwordRequirementType: "MinimumCharacters",
      minCharactersRequired: rule.minCharactersRequired,
      characterSet: characterSet(rule.characterSet, requirement.id * 100 + index + 1),
    })),
    preventDictionaryWords: false,
    preventSequentialPattern: false,
    preventSpatialPattern: false,
    preventUsername: false,
    passwordDictionaries: [],
    example: null,
    secretUsage: null,
    typeUsage: null,
  };
}

/**
 * `GET /secrets/stub`: a SecretModel with id 0, no name, the template's items with empty values and
 * the defaults a new secret gets. `siteId` is -1, which `POST /secrets` refuses: callers set it, as
 * Delinea's PowerShell module does (`New-TssSecret` sets 1 when the stub's is below 1).
 */
export function stubModel(store: Store, template: SeedTemplate, folderId: number | null) {
  const draft: SeedSecret = {
    id: 0,
    name: "",
    folderId: folderId ?? -1,
    secretTemplateId: template.id,
    secretTemplateName: template.name,
    requiresComment: false,
    autoChangeEnabled: false,
    checkOutEnabled: false,
    requiresApprovalForAccess: false,
    approvers: [],
    items: template.fields.map(({ fieldId, name, slug, isPassword, isNotes, isFile }) => ({
      fieldId,
      fieldName: name,
      slug,
      itemValue: "",
      isPassword,
      isNotes,
      isFile,
    })),
  };
  const model = secretModel(store, draft);
  return {
    ...model,
    folderId,
    siteId: -1,
    items: model.items.map((item) => ({ ...item, itemId: null, fileAttachmentId: null, filename: null, itemValue: "" })),
  };
}
