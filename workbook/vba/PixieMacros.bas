Attribute VB_Name = "PixieMacros"
Option Explicit

' The buttons of the Pixie sheet, one Sub each (pixie_xl/sheets/layout.py MACROS).
' Each runs a function of pixie_xl.excel.macros through xlwings' RunPython.
' Buttons are bound to these named Subs, never to a macro string with arguments.

' Validate: every finding to the Checks sheet, the bad cells marked.
Public Sub PixieValidate()
    RunPython "import pixie_xl.excel.macros as m; m.validate()"
End Sub

' Save budgets: validate, then save all or nothing; Budget ID and Version written back.
Public Sub PixieSaveBudgets()
    RunPython "import pixie_xl.excel.macros as m; m.save_budgets()"
End Sub

' Refresh actuals: pull what changed from the service, rebuild the variance sheets.
Public Sub PixieRefreshActuals()
    RunPython "import pixie_xl.excel.macros as m; m.refresh_actuals()"
End Sub

' Build variance: rebuild the variance sheets from the last refresh (offline).
Public Sub PixieBuildVariance()
    RunPython "import pixie_xl.excel.macros as m; m.build_variance()"
End Sub

' Import budgets: a .xlsx or .csv budget file, validated, appended all or nothing.
Public Sub PixieImportBudgets()
    RunPython "import pixie_xl.excel.macros as m; m.import_budgets()"
End Sub
