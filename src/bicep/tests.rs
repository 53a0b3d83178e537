use super::*;

#[test]
fn strings_are_escaped_so_user_text_cannot_interpolate_or_close_the_quote() {
    let hostile = "it's ${subscription().id} \\ \n end";
    assert_eq!(
        printer::quote(hostile),
        r"'it\'s \${subscription().id} \\ \n end'"
    );
}

#[test]
fn a_dollar_without_a_brace_is_left_alone() {
    assert_eq!(printer::quote("cost $5"), "'cost $5'");
}

#[test]
fn control_characters_are_escaped_as_unicode() {
    assert_eq!(printer::quote("a\u{7}b"), r"'a\u{7}b'");
}

#[test]
fn comments_cannot_break_out_of_their_line() {
    let mut file = File::new("header\nresource evil");
    file.push(
        Statement::from(StatementKind::TargetScope("resourceGroup".into())).with_comment("a\r\nb"),
    );
    let text = print_file(&file);
    assert_eq!(
        text,
        "// header resource evil\n\n// a  b\ntargetScope = 'resourceGroup'\n"
    );
}

#[test]
fn non_identifier_keys_are_quoted() {
    let mut file = File::default();
    file.push(StatementKind::Var {
        name: "tags".into(),
        value: obj([("managed-by", "bulwark".into()), ("app", "shop".into())]),
    });
    assert_eq!(
        print_file(&file),
        "var tags = {\n  'managed-by': 'bulwark'\n  app: 'shop'\n}\n"
    );
}

#[test]
fn resources_nest_objects_and_arrays_one_per_line() {
    let mut file = File::default();
    file.push(
        Resource::new("account", "Microsoft.Storage/storageAccounts", "2025-06-01")
            .prop("name", Expr::ident("name"))
            .prop(
                "properties",
                obj([
                    ("empty", Expr::array([])),
                    ("list", Expr::array([Item::from("a").with_comment("why")])),
                    (
                        "id",
                        Expr::interp([text("pe-"), interp(Expr::path("account.name"))]),
                    ),
                ]),
            ),
    );
    let expected = "resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  properties: {
    empty: []
    list: [
      // why
      'a'
    ]
    id: 'pe-${account.name}'
  }
}
";
    assert_eq!(print_file(&file), expected);
}

#[test]
fn params_print_decorators_in_a_stable_order() {
    let mut file = File::default();
    file.push(
        Param::new("environmentName", Type::String)
            .description("Environment")
            .allowed(vec!["dev".into(), "prod".into()]),
    );
    file.push(Param::new("value", Type::String).secure());
    assert_eq!(
        print_file(&file),
        "@description('Environment')\n@allowed([\n  'dev'\n  'prod'\n])\nparam environmentName string\n\n@secure()\nparam value string\n"
    );
}

#[test]
fn param_files_use_their_template() {
    let file = ParamFile {
        header: vec!["generated".into()],
        using: "main.bicep".into(),
        assignments: vec![("environmentName".into(), "dev".into())],
    };
    assert_eq!(
        print_param_file(&file),
        "// generated\nusing 'main.bicep'\n\nparam environmentName = 'dev'\n"
    );
}

#[test]
#[should_panic(expected = "not a Bicep identifier")]
fn a_bad_symbol_is_a_loud_bug() {
    let mut file = File::default();
    file.push(StatementKind::Var {
        name: "bad-name".into(),
        value: Expr::Int(1),
    });
    print_file(&file);
}

#[test]
fn a_statement_alone_prints_as_in_a_file_of_its_own() {
    let statement = Statement::from(
        Resource::new("store", "Microsoft.Storage/storageAccounts", "2023-05-01")
            .prop("name", "st'x")
            .prop("location", Expr::ident("location")),
    )
    .with_comment("Storage");
    let file = File {
        header: Vec::new(),
        statements: vec![statement.clone()],
    };
    let alone = print_statement_alone(&statement);
    assert_eq!(alone, print_file(&file));
    assert!(alone.starts_with("// Storage\nresource store "), "{alone}");
}
