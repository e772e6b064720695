Attribute VB_Name = "PixieMacros"
Option Explicit

' The buttons of the Pixie sheet, one Sub each (pixie_xl/sheets/layout.py MACROS).
' Each runs a function of pixie_xl.excel.macros through xlwings' RunPython, then clears
' the status bar (xlwings leaves "Running..." there on a Mac). A VBA error (Python not
' found, the xlwings DLL or AppleScript missing) becomes a message saying what to do,
' never Excel's unhandled-error dialog. Buttons are bound to these named Subs, never to
' a macro string with arguments. Nothing here is Windows-only: the same Subs run in
' Excel for Windows and for Mac.

' Validate: every finding to the Checks sheet, the bad cells marked.
Public Sub PixieValidate()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.validate()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Validate"
End Sub

' Save budgets: validate, then save all or nothing; Budget ID and Version written back.
Public Sub PixieSaveBudgets()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.save_budgets()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Save budgets"
End Sub

' Refresh actuals: pull what changed from the service, rebuild the variance sheets.
Public Sub PixieRefreshActuals()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.refresh_actuals()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Refresh actuals"
End Sub

' Build variance: rebuild the variance sheets from the last refresh (offline).
Public Sub PixieBuildVariance()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.build_variance()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Build variance"
End Sub

' Import budgets: a .xlsx or .csv budget file, validated, appended all or nothing.
Public Sub PixieImportBudgets()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.import_budgets()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Import budgets"
End Sub

' Allocate: one budget row per child of the parent (the Pixie sheet's Allocate block).
Public Sub PixieAllocate()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.allocate()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Allocate"
End Sub

' Transfer: move an amount between two lines of one budget (the Transfer block).
Public Sub PixieTransfer()
    On Error GoTo failed
    RunPython "import pixie_xl.excel.macros as m; m.transfer()"
    Application.StatusBar = False
    Exit Sub
failed:
    PixieFailed "Transfer"
End Sub

' The message of a button whose Python could not be started.
Private Sub PixieFailed(ByVal button As String)
    Dim problem As String
    problem = Err.Description
    Application.StatusBar = False
    MsgBox "Pixie XL could not run " & button & ":" & vbNewLine & vbNewLine & problem _
        & vbNewLine & vbNewLine & "In a terminal, run: pixie-xl excel setup " _
        & Chr(34) & ThisWorkbook.FullName & Chr(34) & vbNewLine _
        & "with the Python where Pixie XL is installed; it says what is missing.", _
        vbExclamation, "Pixie XL"
End Sub
